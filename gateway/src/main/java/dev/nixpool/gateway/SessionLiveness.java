package dev.nixpool.gateway;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.sshd.common.AttributeRepository.AttributeKey;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.session.SessionListener;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.core.CoreModuleProperties;
import org.apache.sshd.server.SshServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How the gateway tells a quiet client from a gone one. MINA's idle timeout counts only what the client sends, and
 * Nix's client sends nothing while its build runs: a build that prints nothing for longer than the idle timeout would
 * be cut. MINA's own server heartbeat is SSH_MSG_IGNORE, which nobody answers; so every {@code keepAliveInterval} the
 * gateway asks each logged-in client {@code keepalive@openssh.com} with a reply wanted (OpenSSH and MINA answer every
 * such global request, with a failure for this one) and MINA counts the answer as activity. A client that leaves
 * {@code keepAliveMaxMissed} asks in a row unanswered is gone and its connection is closed, which ends its build as a
 * disconnect would, sooner than the idle timeout would notice.
 */
final class SessionLiveness implements SessionListener {

    static final String KEEP_ALIVE_REQUEST = "keepalive@openssh.com";
    private static final Logger LOG = LoggerFactory.getLogger(SessionLiveness.class);
    private static final AttributeKey<ScheduledFuture<?>> TICKS = new AttributeKey<>();

    private final SshServer server;
    private final GatewayLimits limits;

    private SessionLiveness(SshServer server, GatewayLimits limits) {
        this.server = server;
        this.limits = limits;
    }

    static void configure(SshServer server, GatewayLimits limits) {
        CoreModuleProperties.IDLE_TIMEOUT.set(server, limits.idleTimeout());
        if (!limits.keepAliveInterval().isZero()) {
            server.addSessionListener(new SessionLiveness(server, limits));
        }
    }

    @Override
    public void sessionCreated(Session session) {
        AtomicInteger unanswered = new AtomicInteger();
        long every = limits.keepAliveInterval().toMillis();
        ScheduledFuture<?> ticks = server.getScheduledExecutorService()
                .scheduleAtFixedRate(() -> ask(session, unanswered), every, every, TimeUnit.MILLISECONDS);
        session.setAttribute(TICKS, ticks);
    }

    @Override
    public void sessionClosed(Session session) {
        ScheduledFuture<?> ticks = session.removeAttribute(TICKS);
        if (ticks != null) {
            ticks.cancel(false);
        }
    }

    private void ask(Session session, AtomicInteger unanswered) {
        if (!session.isOpen()) {
            sessionClosed(session);
            return;
        }
        if (!session.isAuthenticated()) {
            return; // the authentication timeout bounds that phase
        }
        if (unanswered.incrementAndGet() > limits.keepAliveMaxMissed()) {
            LOG.info("client {} answered none of {} keep-alives: closing its connection",
                    session.getRemoteAddress(), limits.keepAliveMaxMissed());
            session.close(true);
            return;
        }
        try {
            Buffer request = session.createBuffer(SshConstants.SSH_MSG_GLOBAL_REQUEST, KEEP_ALIVE_REQUEST.length() + 8);
            request.putString(KEEP_ALIVE_REQUEST);
            request.putBoolean(true);
            session.request(request, KEEP_ALIVE_REQUEST, (command, reply) -> unanswered.set(0));
        } catch (Exception e) {
            LOG.debug("keep-alive to {} not sent: {}", session.getRemoteAddress(), e.toString());
        }
    }
}

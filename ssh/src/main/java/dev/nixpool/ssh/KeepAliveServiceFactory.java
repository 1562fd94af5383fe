package dev.nixpool.ssh;

import java.io.IOException;

import org.apache.sshd.client.session.ClientConnectionServiceFactory;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.AttributeRepository;
import org.apache.sshd.common.AttributeRepository.AttributeKey;
import org.apache.sshd.common.Service;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.core.CoreModuleProperties;

/**
 * Creates each session's connection service with that connection's keep-alive settings. MINA builds the service while
 * it constructs the session and reads the heartbeat properties only then, so they cannot be set on the session
 * afterwards; they come from the connection context instead, like the {@link HostKeyPin}.
 */
final class KeepAliveServiceFactory extends ClientConnectionServiceFactory {

    static final AttributeKey<SshTimeouts> ATTRIBUTE = new AttributeKey<>();

    /** OpenSSH answers this global request (with a failure reply, which counts as alive). */
    static final String KEEP_ALIVE_REQUEST = "keepalive@openssh.com";

    @Override
    public Service create(Session session) throws IOException {
        if (session instanceof ClientSession client) {
            AttributeRepository context = client.getConnectionContext();
            SshTimeouts timeouts = context == null ? null : context.getAttribute(ATTRIBUTE);
            if (timeouts != null && !timeouts.keepAliveInterval().isZero()) {
                CoreModuleProperties.HEARTBEAT_REQUEST.set(session, KEEP_ALIVE_REQUEST);
                CoreModuleProperties.HEARTBEAT_INTERVAL.set(session, timeouts.keepAliveInterval());
                CoreModuleProperties.HEARTBEAT_NO_REPLY_MAX.set(session, timeouts.keepAliveMaxMissed());
            }
        }
        return super.create(session);
    }
}

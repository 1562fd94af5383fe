package dev.nixpool.gateway;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.security.KeyPair;
import java.security.PublicKey;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.sshd.common.AttributeRepository.AttributeKey;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.server.SshServer;
import org.apache.sshd.server.auth.pubkey.UserAuthPublicKeyFactory;
import org.apache.sshd.server.channel.ChannelSession;
import org.apache.sshd.server.command.Command;
import org.apache.sshd.server.forward.RejectAllForwardingFilter;
import org.apache.sshd.server.session.ServerSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.nixpool.ssh.CipherWarmup;
import dev.nixpool.ssh.Ciphers;
import dev.nixpool.ssh.HostKeys;
import dev.nixpool.ssh.MinaSecurity;

/**
 * The SSH server Nix clients use as their remote builder. Public-key login only, decided by the
 * {@link ClientAuthorizer} at every login; the exec request {@code nix-store --serve --write} gets a
 * {@link ServeEndpoint}, {@code nix-daemon --stdio} a {@link WorkerEndpoint}; shells, other commands, subsystems (sftp) and every kind of forwarding are refused. Logs name
 * keys by fingerprint, never by their text; the host key is never logged.
 */
public final class GatewayServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(GatewayServer.class);
    private static final AttributeKey<ClientIdentity> CLIENT = new AttributeKey<>();

    static {
        MinaSecurity.configure();
    }

    private final SshServer server;
    private final ExecutorService threads;
    /** Dials the likely builders of named pools while their clients upload (see {@link EarlyBuilder}). */
    private final ExecutorService earlyDials;
    private final GatewayLimits limits;
    private final BuilderBroker broker;
    private final BuilderDialer dialer;
    private final SpoolQuota quota;
    private final String hostKeyFingerprint;

    public GatewayServer(String bindHost, int port, KeyPair hostKey, ClientAuthorizer authorizer,
            BuilderBroker broker, BuilderDialer dialer, GatewayLimits limits) {
        this.limits = limits;
        this.broker = broker;
        this.dialer = dialer;
        this.quota = new SpoolQuota(limits.maxTotalSpoolBytes());
        this.hostKeyFingerprint = HostKeys.fingerprint(hostKey.getPublic());
        AtomicInteger counter = new AtomicInteger();
        this.threads = new ThreadPoolExecutor(0, limits.maxConnections(), 60, TimeUnit.SECONDS,
                new SynchronousQueue<>(), r -> {
                    Thread t = new Thread(r, "nixpool-gateway-" + counter.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        AtomicInteger dials = new AtomicInteger();
        this.earlyDials = new ThreadPoolExecutor(0, limits.maxConnections(), 60, TimeUnit.SECONDS,
                new SynchronousQueue<>(), r -> {
                    Thread t = new Thread(r, "nixpool-gateway-early-dial-" + dials.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        server = SshServer.setUpDefaultServer();
        server.setHost(bindHost);
        server.setPort(port);
        server.setKeyPairProvider(KeyPairProvider.wrap(hostKey));
        server.setCipherFactories(Ciphers.server());
        server.setUserAuthFactories(List.of(new UserAuthPublicKeyFactory()));
        server.setPasswordAuthenticator(null);
        server.setKeyboardInteractiveAuthenticator(null);
        server.setGSSAuthenticator(null);
        server.setHostBasedAuthenticator(null);
        server.setPublickeyAuthenticator((user, key, session) -> authenticate(user, key, session, authorizer));
        server.setForwardingFilter(RejectAllForwardingFilter.INSTANCE);
        server.setAgentFactory(null);
        server.setSubsystemFactories(List.of());
        server.setShellFactory(channel -> new RefusedCommand(
                ((GatewayCommand.Refused) GatewayCommand.parse("")).message()));
        server.setCommandFactory(this::command);
        SessionLiveness.configure(server, limits);
        GatewayTransport.configure(server);
    }

    public void start() throws IOException {
        // every uploaded byte is decrypted and encrypted again here: have AES-GCM compiled before the first upload
        CipherWarmup.startOnce();
        server.start();
        LOG.info("Nixpool gateway listening on {}:{} (host key {})", server.getHost(), port(),
                hostKeyFingerprint);
    }

    /** The port bound (useful with port 0). */
    public int port() {
        SocketAddress bound = server.getBoundAddresses().iterator().next();
        return ((InetSocketAddress) bound).getPort();
    }

    public long spooledBytes() {
        return quota.used();
    }

    private static boolean authenticate(String user, PublicKey key, ServerSession session,
            ClientAuthorizer authorizer) {
        Optional<ClientIdentity> identity = authorizer.identify(key);
        if (identity.isEmpty()) {
            LOG.info("refused unknown client key {} (user '{}') from {}", HostKeys.fingerprint(key), user,
                    session.getClientAddress());
            return false;
        }
        session.setAttribute(CLIENT, identity.get());
        LOG.info("client key {} ({}) logged in as '{}' from {}", identity.get().name(), identity.get().fingerprint(),
                user, session.getClientAddress());
        return true;
    }

    private Command command(ChannelSession channel, String text) {
        ServerSession session = channel.getSession();
        ClientIdentity client = session.getAttribute(CLIENT);
        GatewayCommand parsed = GatewayCommand.parse(text);
        if (parsed instanceof GatewayCommand.Refused refused || client == null) {
            String message = parsed instanceof GatewayCommand.Refused r ? r.message() : "not authenticated";
            LOG.info("refused command from {}: {}", client != null ? client.fingerprint() : "?", message);
            return new RefusedCommand(message);
        }
        String user = session.getUsername();
        if (parsed instanceof GatewayCommand.Daemon) {
            return new ServeCommand(threads, stderr -> new WorkerEndpoint(session(client, user), limits, stderr));
        }
        return new ServeCommand(threads, stderr -> new ServeEndpoint(session(client, user), limits, stderr));
    }

    private BuilderSession session(ClientIdentity client, String user) {
        return new BuilderSession(client, user, broker, dialer, spool(), earlyDials);
    }

    private InputSpool spool() {
        return new InputSpool(limits.spoolDir().resolve(UUID.randomUUID().toString()), limits.maxSpoolBytes(),
                limits.maxSpoolPaths(), quota);
    }

    @Override
    public void close() throws IOException {
        try {
            server.stop(true);
        } finally {
            threads.shutdownNow();
            earlyDials.shutdownNow();
        }
    }
}

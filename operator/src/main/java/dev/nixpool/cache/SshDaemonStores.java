package dev.nixpool.cache;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Deque;
import java.util.Set;
import java.util.regex.Pattern;

import org.jboss.logging.Logger;

import dev.nixpool.nix.store.StorePath;
import dev.nixpool.nix.store.ValidPathInfo;
import dev.nixpool.nix.wire.NixWireException;
import dev.nixpool.nix.worker.StderrMessage;
import dev.nixpool.nix.worker.WorkerConnection;
import dev.nixpool.nix.worker.WorkerProtocolException;
import dev.nixpool.nix.worker.WorkerStoreClient;
import dev.nixpool.remote.BuilderCredentials;
import dev.nixpool.ssh.RemoteProcess;
import dev.nixpool.ssh.SshConnector;
import dev.nixpool.ssh.SshSession;
import dev.nixpool.ssh.SshTarget;
import dev.nixpool.ssh.SshTimeouts;
import dev.nixpool.ssh.SshTransportException;
import dev.nixpool.ssh.Watchdog;

/**
 * ssh-ng:// destinations as {@code nix copy --to ssh-ng://} reaches them: SSH (MINA, the host key pinned from the
 * credentials Secret, its client key the only credential), {@code nix-daemon --stdio} run by the login's shell, then
 * the worker protocol ({@link WorkerStoreClient}). The handshake and each query are bounded by {@code handshake} and
 * {@code operation}; adding a path is not (it lasts as long as its NAR takes), and ends when the upload is cancelled.
 * <p>
 * Thread-safe. Its MINA client starts with the first destination opened; close this when the application stops.
 */
public final class SshDaemonStores implements DaemonStores, AutoCloseable {

    static final String COMMAND = "nix-daemon --stdio";
    private static final Logger LOG = Logger.getLogger(SshDaemonStores.class);
    private static final int STDERR_LINES = 20;
    private static final Pattern ANSI = Pattern.compile("\u001B\\[[0-9;]*[A-Za-z]");

    private final SshTimeouts ssh;
    private final Duration handshake;
    private final Duration operation;
    private final Watchdog watchdog = new Watchdog("nixpool-daemon-store-watchdog");
    private SshConnector connector;

    public SshDaemonStores(SshTimeouts ssh, Duration handshake, Duration operation) {
        this.ssh = ssh;
        this.handshake = handshake;
        this.operation = operation;
    }

    @Override
    public DaemonStore open(CacheDestination destination) throws IOException {
        if (!destination.isDaemonStore()) {
            throw new IllegalArgumentException("not an ssh-ng:// destination: " + destination.uri());
        }
        String where = destination.uri().toString();
        BuilderCredentials credentials = destination.sshCredentials();
        SshTarget target = new SshTarget(destination.uri().sshHost(), destination.uri().sshPort(),
                destination.uri().sshUser());
        SshSession session;
        try {
            session = connector().connect(target, credentials.clientPrivateKey(), credentials.hostPublicKey(), ssh);
        } catch (SshTransportException e) {
            throw new CacheStoreException(where + ": " + e.getMessage(), e);
        }
        Deque<String> stderr = new ArrayDeque<>();
        try {
            RemoteProcess daemon = session.exec(COMMAND, line -> {
                synchronized (stderr) {
                    if (stderr.size() == STDERR_LINES) {
                        stderr.removeFirst();
                    }
                    stderr.addLast(line);
                }
            });
            Store store = new Store(where, session, daemon, stderr);
            Watchdog.Guard guard = watchdog.arm(handshake, store::close);
            try {
                store.connection.handshake(store::log);
            } catch (IOException e) {
                store.close();
                throw guard.fired()
                        ? store.timedOut("the nix-daemon handshake", handshake, e)
                        : store.failure("the nix-daemon handshake", e);
            } finally {
                guard.close();
            }
            return store;
        } catch (SshTransportException e) {
            session.close();
            throw new CacheStoreException(where + ": cannot start '" + COMMAND + "': " + e.getMessage(), e);
        }
    }

    /** Nix colours the paths in its messages for terminals; status and Events are not terminals. */
    static String plain(String message) {
        return ANSI.matcher(message).replaceAll("");
    }

    private synchronized SshConnector connector() {
        if (connector == null) {
            connector = new SshConnector();
        }
        return connector;
    }

    @Override
    public synchronized void close() {
        watchdog.close();
        if (connector != null) {
            connector.close();
        }
    }

    private final class Store implements DaemonStore {

        private final String where;
        private final SshSession session;
        private final RemoteProcess daemon;
        private final Deque<String> stderr;
        private final WorkerConnection connection;
        private WorkerStoreClient client;

        Store(String where, SshSession session, RemoteProcess daemon, Deque<String> stderr) {
            this.where = where;
            this.session = session;
            this.daemon = daemon;
            this.stderr = stderr;
            this.connection = new WorkerConnection(daemon.stdout(), daemon.stdin());
        }

        private WorkerStoreClient client() {
            if (client == null) {
                client = new WorkerStoreClient(connection, this::log);
            }
            return client;
        }

        @Override
        public Set<StorePath> valid(Collection<StorePath> paths) throws IOException {
            Watchdog.Guard guard = watchdog.arm(operation, this::close);
            try {
                return client().queryValidPaths(paths);
            } catch (IOException e) {
                throw guard.fired() ? timedOut("QueryValidPaths", operation, e) : failure("QueryValidPaths", e);
            } finally {
                guard.close();
            }
        }

        @Override
        public void add(ValidPathInfo info, InputStream nar) throws IOException {
            try {
                client().addToStoreNar(info, nar);
            } catch (IOException e) {
                throw failure("adding " + info.path(), e);
            }
        }

        CacheStoreException timedOut(String what, Duration limit, IOException e) {
            return new CacheStoreException(where + ": no answer to " + what + " within " + limit.toSeconds() + "s",
                    e);
        }

        /** The daemon's own refusal as it said it; otherwise what broke, with the last lines of the command's stderr. */
        CacheStoreException failure(String what, IOException e) {
            if (e instanceof CacheStoreException c) {
                return c;
            }
            if (e instanceof WorkerProtocolException refused) {
                return new CacheStoreException(where + " refused " + what + ": " + plain(refused.error().message()), e);
            }
            String tail;
            synchronized (stderr) {
                tail = plain(String.join("\n", stderr));
            }
            String reason = e instanceof NixWireException
                    ? e.getMessage()
                    : (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
            String message = where + ": " + what + " failed: " + reason
                    + (session.isOpen() ? "" : " (" + session.lossReason() + ")")
                    + (tail.isBlank() ? "" : "; '" + COMMAND + "' said: " + tail);
            return new CacheStoreException(message, e);
        }

        void log(StderrMessage m) {
            if (m instanceof StderrMessage.Next next) {
                LOG.debugf("%s: %s", where, next.text().strip());
            }
        }

        @Override
        public void close() {
            daemon.close();
            session.close();
        }
    }
}

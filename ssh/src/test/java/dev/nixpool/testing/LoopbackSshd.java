package dev.nixpool.testing;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import org.awaitility.core.ConditionTimeoutException;

import dev.nixpool.nix.testing.LocalNixStore;
import dev.nixpool.nix.testing.ProcessResult;
import dev.nixpool.ssh.OpenSshKeyPair;
import dev.nixpool.ssh.SshKeyGenerator;
import dev.nixpool.ssh.SshTarget;

/**
 * A real OpenSSH sshd on a loopback address, playing a Nix remote builder in tests ({@code *IT} only: it needs root,
 * /usr/sbin/sshd, unshare and Nix).
 *
 * <h2>What you get</h2>
 * <ul>
 * <li>sshd ({@code /usr/sbin/sshd -D -e -f CONF}) on a random {@code 127.0.0.N} and a free port, with its own config,
 * pid file, log file and a fresh ed25519 host key ({@link #hostKey()}, to pin). Only public-key login, for the
 * current user (root on these machines), with {@link #clientKey()} (also written to {@link #clientKeyFile()} for
 * {@code ssh -i} / {@code nixpool ping -i}).</li>
 * <li>A Nix store of its own: sshd runs inside {@link LocalNixStore#command} (a private mount namespace with the
 * store's directory bind-mounted on {@code /nix}), so whatever a login builds or receives lands in {@link #store()},
 * not in the host's /nix/store, and an offload is provable. {@link #store()} runs commands against that same store
 * from the test ({@code run}, {@code runOk}, {@code instantiate}, {@code realPath}).</li>
 * <li>Nix configured offline for every login: {@code SetEnv NIX_CONF_DIR} points at the store's nix.conf
 * ({@code build-users-group =}, {@code sandbox = false}, {@code substituters =}, {@code experimental-features =
 * nix-command}), so nothing depends on /etc/nix/nix.conf.</li>
 * <li>{@link Builder#banner(String)}: the login prints that text on stdout before running the command (the seed FAQ's
 * "protocol mismatch"). {@link Builder#withoutNixStoreOnPath()}: commands run with a PATH that has no nix-store.
 * {@link Builder#beforeCommand(String)}: any shell lines before the command. All three use a {@code ForceCommand}
 * wrapper that ends with {@code exec /bin/sh -c "$SSH_ORIGINAL_COMMAND"}.</li>
 * <li>{@link #freeze()}/{@link #thaw()}: SIGSTOP/SIGCONT the per-connection sshd processes, for keep-alive tests
 * (TCP stays up, nothing answers).</li>
 * </ul>
 * <h2>Use</h2>
 *
 * <pre>
 * try (LoopbackSshd sshd = LoopbackSshd.start()) {
 *     SshSession s = connector.connect(sshd.target(), sshd.clientKey().privateKey(), sshd.hostKey().publicKey(), t);
 *     ...
 *     assertThat(sshd.store().realPath(output)).exists();
 * }
 * </pre>
 *
 * {@link #close()} kills sshd with all its children (the namespace and bind mount go with them) and deletes the store
 * with everything else. Start it in {@code @BeforeAll} and close it in {@code @AfterAll}: a start costs about 100 ms.
 */
public final class LoopbackSshd implements AutoCloseable {

    private static final Path SSHD = Path.of("/usr/sbin/sshd");
    private static final Duration START_LIMIT = Duration.ofSeconds(15);
    private final LocalNixStore store;
    private final Path dir;
    private final String address;
    private final int port;
    private final OpenSshKeyPair hostKey;
    private final OpenSshKeyPair clientKey;
    private final Process process;

    private LoopbackSshd(Builder b, LocalNixStore store) throws IOException {
        this.store = store;
        this.dir = Files.createDirectories(store.workDir().resolve("sshd"));
        this.address = b.address != null ? b.address : randomLoopbackAddress();
        this.port = freePort(address);
        this.hostKey = SshKeyGenerator.generateEd25519("loopback-sshd-host");
        this.clientKey = SshKeyGenerator.generateEd25519("loopback-sshd-client");
        if (b.nixConf != null) {
            // later lines win in nix.conf, so these override the store's offline defaults
            Files.writeString(store.confDir().resolve("nix.conf"), b.nixConf + "\n", StandardOpenOption.APPEND);
        }
        writePrivate(dir.resolve("ssh_host_ed25519_key"), hostKey.privateKey());
        Files.writeString(dir.resolve("ssh_host_ed25519_key.pub"), hostKey.publicKey() + "\n");
        writePrivate(clientKeyFile(), clientKey.privateKey());
        Files.writeString(dir.resolve("authorized_keys"), clientKey.publicKey() + "\n");
        String forceCommand = writeLoginWrapper(b);
        Path config = dir.resolve("sshd_config");
        Files.writeString(config, sshdConfig(forceCommand));
        Files.createDirectories(Path.of("/run/sshd"));

        List<String> command = store.command(SSHD.toString(), "-D", "-e", "-f", config.toString());
        this.process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve("sshd.log").toFile()).start();
        awaitListening();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A plain builder: its own store, no banner. */
    public static LoopbackSshd start() throws IOException {
        return builder().start();
    }

    /** {@code root@127.0.0.N:port} (the current user). */
    public SshTarget target() {
        return new SshTarget(address, port, System.getProperty("user.name"));
    }

    public String address() {
        return address;
    }

    public int port() {
        return port;
    }

    /** The server's key pair: pin {@code hostKey().publicKey()}. */
    public OpenSshKeyPair hostKey() {
        return hostKey;
    }

    /** The only client key sshd accepts. */
    public OpenSshKeyPair clientKey() {
        return clientKey;
    }

    /** {@link #clientKey()}'s private half as a file (mode 0600). */
    public Path clientKeyFile() {
        return dir.resolve("client_ed25519_key");
    }

    /** The builder's store, as its logins see it; run Nix commands against it from the test. */
    public LocalNixStore store() {
        return store;
    }

    /** sshd's own log (-e), for assertion messages. */
    public String log() {
        try {
            return Files.readString(dir.resolve("sshd.log"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Command lines of every process below the listening sshd: its sessions, their commands and builds. */
    public List<String> sessionProcesses() {
        return process.descendants().map(p -> p.info().commandLine().orElse("pid " + p.pid())).toList();
    }

    /** Stops every per-connection sshd and its commands (SIGSTOP); the listener keeps accepting. */
    public void freeze() {
        signalSessions("-STOP");
    }

    public void thaw() {
        signalSessions("-CONT");
    }

    @Override
    public void close() {
        try {
            signalSessions("-CONT");
        } finally {
            Processes.killTree(process.toHandle());
            closeStore(store);
        }
    }

    /**
     * Signals every process below the listener. kill exits 1 when any pid it was given is gone, and a short-lived
     * descendant (a session's helper) can exit between the listing and the kill: kill still signals the others, and
     * only another complaint than a vanished pid is a failure.
     */
    private void signalSessions(String signal) {
        List<ProcessHandle> targets = process.descendants().toList();
        if (targets.isEmpty()) {
            return;
        }
        List<String> argv = new ArrayList<>(List.of("kill", signal));
        targets.forEach(p -> argv.add(Long.toString(p.pid())));
        ProcessResult r = Processes.run(argv, Duration.ofSeconds(10));
        if (r.exitCode() != 0 && !signal.equals("-CONT")
                && !r.stderr().lines().allMatch(l -> l.contains("No such process"))) {
            throw new IllegalStateException("kill " + signal + " failed: " + Processes.describe(r));
        }
    }

    private String sshdConfig(String forceCommand) {
        StringBuilder c = new StringBuilder();
        c.append("ListenAddress ").append(address).append(':').append(port).append('\n');
        c.append("HostKey ").append(dir.resolve("ssh_host_ed25519_key")).append('\n');
        c.append("PidFile ").append(dir.resolve("sshd.pid")).append('\n');
        c.append("AuthorizedKeysFile ").append(dir.resolve("authorized_keys")).append('\n');
        c.append("""
                UsePAM no
                PasswordAuthentication no
                KbdInteractiveAuthentication no
                PubkeyAuthentication yes
                PermitRootLogin prohibit-password
                StrictModes no
                AllowTcpForwarding no
                X11Forwarding no
                PrintMotd no
                PrintLastLog no
                """);
        c.append("SetEnv NIX_CONF_DIR=").append(store.confDir()).append('\n');
        if (forceCommand != null) {
            c.append("ForceCommand ").append(forceCommand).append('\n');
        }
        return c.toString();
    }

    private String writeLoginWrapper(Builder b) throws IOException {
        if (b.banner == null && !b.noNixStoreOnPath && b.beforeCommand == null) {
            return null;
        }
        StringBuilder script = new StringBuilder("#!/bin/sh\n");
        if (b.banner != null) {
            Files.writeString(dir.resolve("banner"), b.banner + "\n");
            script.append("cat '").append(dir.resolve("banner")).append("'\n");
        }
        if (b.noNixStoreOnPath) {
            Path emptyBin = Files.createDirectories(dir.resolve("empty-bin"));
            script.append("PATH='").append(emptyBin).append("'\nexport PATH\n");
        }
        if (b.beforeCommand != null) {
            script.append(b.beforeCommand).append('\n');
        }
        script.append("exec /bin/sh -c \"$SSH_ORIGINAL_COMMAND\"\n");
        Path wrapper = dir.resolve("login-wrapper.sh");
        Files.writeString(wrapper, script.toString());
        Files.setPosixFilePermissions(wrapper, PosixFilePermissions.fromString("rwxr-xr-x"));
        return wrapper.toString();
    }

    private void awaitListening() throws IOException {
        try {
            // an sshd that exited fails at once (Awaitility passes the exception on), not after the limit
            await().atMost(START_LIMIT).pollInterval(Duration.ofMillis(50)).until(() -> {
                if (!process.isAlive()) {
                    throw new IOException("sshd exited with " + process.exitValue() + " at start-up:\n" + log());
                }
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress(address, port), 200);
                    return true;
                } catch (IOException notYet) {
                    return false;
                }
            });
        } catch (ConditionTimeoutException e) {
            String log = log();
            close();
            throw new IOException(
                    "sshd did not listen on " + address + ":" + port + " within " + START_LIMIT + ":\n" + log);
        }
    }

    private static String randomLoopbackAddress() {
        return "127.0.0." + ThreadLocalRandom.current().nextInt(2, 255);
    }

    private static int freePort(String address) throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(address))) {
            return s.getLocalPort();
        }
    }

    private static void writePrivate(Path file, String content) throws IOException {
        Files.writeString(file, content, StandardCharsets.US_ASCII);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    }

    /** Deletes the store and with it the sshd directory; root can delete read-only store paths. */
    private static void closeStore(LocalNixStore store) {
        try {
            store.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete the builder's store", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while deleting the builder's store", e);
        }
    }

    /** Options; {@link #start()} starts sshd. */
    public static final class Builder {
        private String address;
        private String banner;
        private boolean noNixStoreOnPath;
        private String beforeCommand;
        private String nixConf;

        private Builder() {
        }

        /** Lines appended to the builder's nix.conf (e.g. {@code substituters = file:///...}). */
        public Builder nixConf(String lines) {
            this.nixConf = lines;
            return this;
        }

        /**
         * Shell lines the login runs before the command (after banner and PATH); e.g. {@code echo oops >&2; exit 1}
         * for a login that fails before Nix starts.
         */
        public Builder beforeCommand(String shellLines) {
            this.beforeCommand = shellLines;
            return this;
        }

        /** A fixed 127.0.0.N instead of a random one. */
        public Builder address(String loopbackAddress) {
            if (!loopbackAddress.startsWith("127.")) {
                throw new IllegalArgumentException("expected a 127.x.y.z address, got " + loopbackAddress);
            }
            this.address = loopbackAddress;
            return this;
        }

        /** The login prints this on stdout before every command. */
        public Builder banner(String text) {
            this.banner = text;
            return this;
        }

        /** Commands run with a PATH on which there is no nix-store. */
        public Builder withoutNixStoreOnPath() {
            this.noNixStoreOnPath = true;
            return this;
        }

        public LoopbackSshd start() throws IOException {
            LocalNixStore store = LocalNixStore.create("sshd");
            try {
                return new LoopbackSshd(this, store);
            } catch (IOException | RuntimeException e) {
                closeStore(store);
                throw e;
            }
        }
    }
}

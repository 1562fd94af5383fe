package dev.nixpool.images;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.nixpool.remote.BuildSource;
import dev.nixpool.remote.BuilderAddress;
import dev.nixpool.remote.BuilderConnection;
import dev.nixpool.remote.BuilderCredentials;
import dev.nixpool.remote.BuilderSession;
import dev.nixpool.remote.NixSettings;
import dev.nixpool.remote.ssh.BuilderTimeouts;
import dev.nixpool.remote.ssh.SshBuilderConnector;
import dev.nixpool.ssh.OpenSshKeyPair;
import dev.nixpool.ssh.SshKeyGenerator;

/**
 * Runs the real images/builder/entrypoint.sh on this machine (as root, on its own loopback address, state in a temp
 * dir) and logs in with the real OpenSSH client, the host key pinned, the way the operator reaches a builder pod.
 */
class BuilderEntrypointIT {

    private static final String FEATURES = "kvm big-parallel";
    /** More than OpenSSH's default MaxSessions (10) allows a reusable builder's kept connection: see below. */
    private static final int MAX_JOBS = 6;

    private static Path work;
    private static Path sshDir;
    private static Path stateDir;
    private static Path clientKey;
    private static Path knownHosts;
    private static OpenSshKeyPair hostKey;
    private static String address;
    private static int port;
    private static Process builder;
    private static Path builderLog;

    @BeforeAll
    static void startBuilder() throws Exception {
        work = Files.createTempDirectory("nixpool-entrypoint");
        sshDir = Files.createDirectories(work.resolve("ssh"));
        stateDir = work.resolve("state");
        hostKey = SshKeyGenerator.generateEd25519("builder-host");
        OpenSshKeyPair client = SshKeyGenerator.generateEd25519("operator");
        writePrivate(sshDir.resolve("ssh_host_ed25519_key"), hostKey.privateKey());
        writePrivate(sshDir.resolve("ssh_host_ed25519_key.pub"), hostKey.publicKey() + "\n");
        writePrivate(sshDir.resolve("authorized_keys"), client.publicKey() + "\n");
        clientKey = work.resolve("client_ed25519_key");
        writePrivate(clientKey, client.privateKey());

        address = "127.0.0." + ThreadLocalRandom.current().nextInt(100, 250);
        port = freePort(address);
        knownHosts = work.resolve("known_hosts");
        Files.writeString(knownHosts, "[" + address + "]:" + port + " " + hostKey.publicKey() + "\n");

        Map<String, String> env = contractEnv(sshDir, stateDir);
        env.put("NIXPOOL_SYSTEMS", "x86_64-linux i686-linux");
        env.put("NIXPOOL_SYSTEM_FEATURES", FEATURES);
        env.put("NIXPOOL_MAX_JOBS", Integer.toString(MAX_JOBS));
        env.put("NIXPOOL_MIN_FREE", "1073741824");
        env.put("NIXPOOL_MAX_FREE", "4294967296");
        env.put("NIXPOOL_FSYNC_METADATA", "false");
        builderLog = work.resolve("builder.log");
        builder = entrypoint(env).redirectErrorStream(true).redirectOutput(builderLog.toFile()).start();
        awaitListening();
    }

    @AfterAll
    static void stopBuilder() throws Exception {
        try {
            if (builder != null) {
                // the entrypoint exec'd sshd, so this is sshd's pid; SIGTERM makes it close its listener
                builder.destroy();
                if (!builder.waitFor(10, TimeUnit.SECONDS)) {
                    builder.destroyForcibly().waitFor();
                }
            }
        } finally {
            deleteTree(work);
        }
    }

    @Test
    void loginIsSilentOnStdout() throws Exception {
        Result r = ssh(clientKey, knownHosts, "true");
        assertThat(r.exit).as(r.toString()).isZero();
        assertThat(r.stdout).as("stdout of a login: Nix's serve protocol runs on it").isEmpty();
    }

    @Test
    void nixIsOnThePathOfTheLogin() throws Exception {
        Result r = ssh(clientKey, knownHosts, "nix-store --version");
        assertThat(r.exit).as(r.toString()).isZero();
        assertThat(r.stdout).startsWith("nix-store (Nix) 2.");
    }

    @Test
    void theLoginUsesTheGeneratedNixConf() throws Exception {
        Result r = ssh(clientKey, knownHosts,
                "echo \"$NIX_CONF_DIR\"; nix --extra-experimental-features nix-command show-config");
        assertThat(r.exit).as(r.toString()).isZero();
        List<String> lines = r.stdout.lines().toList();
        assertThat(lines.get(0)).isEqualTo(stateDir.toString());
        // Nix keeps features as a set and prints them sorted
        assertThat(lines).contains("system-features = big-parallel kvm", "system = x86_64-linux",
                "extra-platforms = i686-linux", "max-jobs = " + MAX_JOBS, "substituters = ", "sandbox = false",
                "min-free = 1073741824", "max-free = 4294967296", "fsync-metadata = false");
    }

    /**
     * The operator runs a reusable builder's maxJobs builds on one kept connection, each build with its serve channel
     * and its next evaluator waiting beside it, plus the builder's spare session (serve and evaluator): sshd must not
     * refuse a channel of them ("administratively prohibited") as its default of 10 sessions per connection would.
     */
    @Test
    void oneConnectionCarriesTheSessionsOfMaxJobsBuildsAndTheSpare() throws Exception {
        List<BuilderSession> sessions = new ArrayList<>();
        try (SshBuilderConnector connector = new SshBuilderConnector(BuilderTimeouts.defaults());
                BuilderConnection connection = connector.connect(
                        new BuilderAddress(address, port, System.getProperty("user.name")),
                        new BuilderCredentials(Files.readString(clientKey), hostKey.publicKey()))) {
            try {
                for (int i = 0; i <= MAX_JOBS; i++) {
                    sessions.add(connection.preparedSession(NixSettings.NONE));
                }
                assertThat(sessions).allSatisfy(s -> assertThat(s.reusable()).isTrue());
                // and each one evaluates on its prepared evaluator, one more channel where it was not there
                for (BuilderSession s : sessions) {
                    assertThat(s.instantiate(new BuildSource.Expression("derivation { name = \"max-sessions\"; "
                            + "system = \"x86_64-linux\"; builder = \"/bin/sh\"; args = [ \"-c\" \"echo > $out\" ]; }"),
                            line -> {
                            })).endsWith("-max-sessions.drv");
                }
            } finally {
                sessions.forEach(BuilderSession::close);
            }
        }
    }

    @Test
    void anUnknownClientKeyIsRefused() throws Exception {
        Path stranger = work.resolve("stranger_key");
        writePrivate(stranger, SshKeyGenerator.generateEd25519("stranger").privateKey());
        Result r = ssh(stranger, knownHosts, "true");
        assertThat(r.exit).as(r.toString()).isEqualTo(255);
        assertThat(r.stderr).contains("Permission denied (publickey)");
    }

    @Test
    void aDifferentHostKeyIsNotTrusted() throws Exception {
        Path otherKnownHosts = work.resolve("other_known_hosts");
        Files.writeString(otherKnownHosts, "[" + address + "]:" + port + " "
                + SshKeyGenerator.generateEd25519("impostor").publicKey() + "\n");
        Result r = ssh(clientKey, otherKnownHosts, "true");
        assertThat(r.exit).as(r.toString()).isEqualTo(255);
        assertThat(r.stderr).contains("REMOTE HOST IDENTIFICATION HAS CHANGED");
    }

    @Test
    void missingKeyFailsWithItsPath() throws Exception {
        Path dir = Files.createDirectories(work.resolve("no-authorized-keys"));
        Files.copy(sshDir.resolve("ssh_host_ed25519_key"), dir.resolve("ssh_host_ed25519_key"));
        Files.copy(sshDir.resolve("ssh_host_ed25519_key.pub"), dir.resolve("ssh_host_ed25519_key.pub"));
        Result r = runEntrypoint(contractEnv(dir, work.resolve("state-missing")));
        assertThat(r.exit).isEqualTo(1);
        assertThat(r.stderr).contains("missing key file " + dir.resolve("authorized_keys"));
    }

    @Test
    void mismatchedPublicHostKeyIsRejected() throws Exception {
        Path dir = Files.createDirectories(work.resolve("mismatch"));
        Files.copy(sshDir.resolve("ssh_host_ed25519_key"), dir.resolve("ssh_host_ed25519_key"));
        Files.writeString(dir.resolve("ssh_host_ed25519_key.pub"), SshKeyGenerator.generateEd25519("x").publicKey());
        Files.copy(sshDir.resolve("authorized_keys"), dir.resolve("authorized_keys"));
        Result r = runEntrypoint(contractEnv(dir, work.resolve("state-mismatch")));
        assertThat(r.exit).isEqualTo(1);
        assertThat(r.stderr).contains("ssh_host_ed25519_key.pub does not match");
    }

    @Test
    void badEnvironmentIsNamed() throws Exception {
        Map<String, String> env = contractEnv(sshDir, work.resolve("state-bad"));
        env.put("NIXPOOL_SSH_PORT", "ssh");
        assertThat(runEntrypoint(env).stderr).contains("NIXPOOL_SSH_PORT must be a TCP port (1-65535), got 'ssh'");
        env.put("NIXPOOL_SSH_PORT", "2222");
        env.put("NIXPOOL_SYSTEM_FEATURES", "kvm big,parallel");
        assertThat(runEntrypoint(env).stderr)
                .contains("NIXPOOL_SYSTEM_FEATURES: 'big,parallel' is not a system feature");
        env.remove("NIXPOOL_SYSTEM_FEATURES");
        env.put("NIXPOOL_SYSTEMS", " ");
        assertThat(runEntrypoint(env).stderr).contains("NIXPOOL_SYSTEMS must name at least one system");
        env.put("NIXPOOL_SYSTEMS", "x86_64-linux");
        env.put("NIXPOOL_STATE_DIR", "relative/state");
        assertThat(runEntrypoint(env).stderr).contains("NIXPOOL_STATE_DIR must be an absolute path");
        env.put("NIXPOOL_STATE_DIR", work.resolve("state-bad").toString());
        env.put("NIXPOOL_MIN_FREE", "1G");
        assertThat(runEntrypoint(env).stderr)
                .contains("NIXPOOL_MIN_FREE must be a number of bytes (digits only), got '1G'");
        env.put("NIXPOOL_MIN_FREE", "2048");
        env.put("NIXPOOL_MAX_FREE", "1024");
        assertThat(runEntrypoint(env).stderr)
                .contains("NIXPOOL_MAX_FREE (1024) must be larger than NIXPOOL_MIN_FREE (2048)");
        env.remove("NIXPOOL_MAX_FREE");
        env.put("NIXPOOL_FSYNC_METADATA", "no");
        assertThat(runEntrypoint(env).stderr).contains("NIXPOOL_FSYNC_METADATA must be true or false, got 'no'");
    }

    private record Result(int exit, String stdout, String stderr) {
    }

    private static Result ssh(Path identity, Path knownHostsFile, String command) throws Exception {
        return run(
                new ProcessBuilder("ssh", "-F", "/dev/null", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes",
                        "-o", "UserKnownHostsFile=" + knownHostsFile, "-o", "GlobalKnownHostsFile=/dev/null", "-o",
                        "IdentitiesOnly=yes", "-o", "ConnectTimeout=10", "-i", identity.toString(), "-p",
                        Integer.toString(port),
                        System.getProperty("user.name") + "@" + address, command));
    }

    /** Runs the entrypoint expecting it to stop by itself (bad input); bounded so a started sshd cannot hang the test. */
    private static Result runEntrypoint(Map<String, String> env) throws Exception {
        env.put("NIXPOOL_LISTEN_ADDRESS", address);
        env.putIfAbsent("NIXPOOL_SSH_PORT", Integer.toString(port));
        return run(entrypoint(env));
    }

    private static Result run(ProcessBuilder pb) throws Exception {
        Path out = Files.createTempFile(work, "out", ".txt");
        Path err = Files.createTempFile(work, "err", ".txt");
        Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
            throw new AssertionError(pb.command() + " did not finish in 30 s; stderr: " + Files.readString(err));
        }
        return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }

    private static ProcessBuilder entrypoint(Map<String, String> contract) {
        Path script = Path.of(System.getProperty("nixpool.repo.root"), "images", "builder", "entrypoint.sh");
        ProcessBuilder pb = new ProcessBuilder(script.toString());
        pb.environment().keySet().removeIf(k -> k.startsWith("NIXPOOL_"));
        pb.environment().putAll(contract);
        return pb;
    }

    private static Map<String, String> contractEnv(Path keys, Path state) {
        Map<String, String> env = new HashMap<>();
        env.put("NIXPOOL_SSH_DIR", keys.toString());
        env.put("NIXPOOL_STATE_DIR", state.toString());
        env.put("NIXPOOL_LISTEN_ADDRESS", address);
        env.put("NIXPOOL_SSH_PORT", Integer.toString(port));
        return env;
    }

    private static void awaitListening() {
        // an entrypoint that exited fails at once (Awaitility passes the AssertionError on), not after the limit
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100))
                .alias("sshd listening on " + address + ":" + port).until(() -> {
                    if (!builder.isAlive()) {
                        throw new AssertionError("entrypoint exited with " + builder.exitValue() + ": "
                                + Files.readString(builderLog));
                    }
                    try (Socket s = new Socket()) {
                        s.connect(new InetSocketAddress(address, port), 500);
                        return true;
                    } catch (IOException notYet) {
                        return false;
                    }
                });
    }

    private static int freePort(String host) throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(host))) {
            return s.getLocalPort();
        }
    }

    private static void writePrivate(Path file, String content) throws IOException {
        Files.writeString(file, content);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    }

    private static void deleteTree(Path root) throws IOException {
        if (root == null || !Files.exists(root)) {
            return;
        }
        List<Path> paths = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(root)) {
            walk.sorted(Comparator.reverseOrder()).forEach(paths::add);
        }
        for (Path p : paths) {
            Files.delete(p);
        }
    }
}

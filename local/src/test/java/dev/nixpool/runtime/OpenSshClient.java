package dev.nixpool.runtime;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;

import dev.nixpool.runtime.BuilderPodFixture.BuilderKeys;

/**
 * The real OpenSSH client, logging in the way the operator does: the client key from the Secret and the host key pinned
 * (StrictHostKeyChecking=yes with a known_hosts file holding only that key), no user or system configuration.
 */
final class OpenSshClient {

    record Result(int exitCode, String stdout, String stderr) {
    }

    private final Path identity;
    private final Path knownHosts;
    private final Path stderrFile;

    private final String user;

    private OpenSshClient(Path identity, Path knownHosts, Path stderrFile, String user) {
        this.user = user;
        this.identity = identity;
        this.knownHosts = knownHosts;
        this.stderrFile = stderrFile;
    }

    static OpenSshClient forBuilder(BuilderKeys keys, String address, int port, Path dir) throws IOException {
        return forBuilder(keys, address, port, dir, "root");
    }

    /** @param user the login: a non-root sshd logs in only its own user */
    static OpenSshClient forBuilder(BuilderKeys keys, String address, int port, Path dir, String user)
            throws IOException {
        Files.createDirectories(dir);
        Path identity = dir.resolve("client_ed25519_key");
        Files.writeString(identity, keys.client().privateKey(), StandardCharsets.US_ASCII);
        Files.setPosixFilePermissions(identity, PosixFilePermissions.fromString("rw-------"));
        Path knownHosts = dir.resolve("known_hosts");
        Files.writeString(knownHosts, "[" + address + "]:" + port + " " + keys.host().publicKey() + "\n");
        return new OpenSshClient(identity, knownHosts, dir.resolve("ssh.stderr"), user);
    }

    synchronized Result run(String address, int port, String command) throws IOException, InterruptedException {
        Process ssh = new ProcessBuilder("ssh", "-F", "/dev/null", "-i", identity.toString(), "-o",
                "IdentitiesOnly=yes",
                "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes", "-o", "UserKnownHostsFile=" + knownHosts,
                "-o", "GlobalKnownHostsFile=/dev/null", "-o", "ConnectTimeout=10", "-p", String.valueOf(port),
                user + "@" + address, command)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectError(stderrFile.toFile()).start();
        try {
            var stdout = ssh.getInputStream().readAllBytes();
            if (!ssh.waitFor(120, TimeUnit.SECONDS)) {
                throw new IllegalStateException("ssh " + address + " '" + command + "' did not finish within 120 s");
            }
            return new Result(ssh.exitValue(), new String(stdout, StandardCharsets.UTF_8),
                    Files.readString(stderrFile));
        } finally {
            ssh.destroyForcibly();
        }
    }
}

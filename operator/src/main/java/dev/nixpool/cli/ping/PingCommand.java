package dev.nixpool.cli.ping;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PublicKey;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import dev.nixpool.cli.CliLogging;
import dev.nixpool.cli.Command;
import dev.nixpool.cli.UsageException;
import dev.nixpool.nix.serve.ProtocolMismatchException;
import dev.nixpool.nix.serve.ServeClient;
import dev.nixpool.nix.serve.ServeProtocol;
import dev.nixpool.nix.wire.WireTruncatedException;
import dev.nixpool.ssh.ClientKeys;
import dev.nixpool.ssh.HostKeys;
import dev.nixpool.ssh.KnownHosts;
import dev.nixpool.ssh.RemoteProcess;
import dev.nixpool.ssh.SshConnector;
import dev.nixpool.ssh.SshSession;
import dev.nixpool.ssh.SshTarget;
import dev.nixpool.ssh.SshTimeouts;
import dev.nixpool.ssh.SshTransportException;

/**
 * {@code nixpool ping}: what {@code nix store ping --store ssh://HOST} does (log in, run {@code nix-store --serve
 * --write}, handshake), with each failure explained instead of printed raw.
 */
public final class PingCommand implements Command {

    /** How long to wait for the exit status of a command whose stdout already ended. */
    private static final Duration EXIT_GRACE = Duration.ofSeconds(5);

    @Override
    public String name() {
        return "ping";
    }

    @Override
    public String summary() {
        return "check that USER@HOST works as a Nix remote builder (ssh + nix-store --serve handshake)";
    }

    @Override
    public String usage() {
        return """
                usage: nixpool ping [-p PORT] [-i IDENTITY_FILE] [--host-key KEY] [--timeout SECONDS] [-v] USER@HOST

                Logs in over SSH, runs 'nix-store --serve --write' and does the serve protocol handshake, as
                'nix store ping --store ssh://USER@HOST' does, and explains what went wrong if it fails.

                  -p PORT            SSH port (default 22)
                  -i IDENTITY_FILE   unencrypted OpenSSH private key (default ~/.ssh/id_ed25519)
                  --host-key KEY     the host's public key: the base64 of its .pub line (field 8 of Nix's machines
                                     file) or the plain 'ssh-ed25519 AAAA...' line. Without it, ~/.ssh/known_hosts
                                     is used ([host]:port entries for ports other than 22); unknown hosts are refused.
                  --timeout SECONDS  limit for each step: connect, login, channel, handshake (default 10)
                  -v                 print the SSH library's debug log on stderr

                """ + PingDiagnosis.EXIT_CODES;
    }

    @Override
    public int run(List<String> args, PrintStream out, PrintStream err) throws UsageException {
        PingOptions options = PingOptions.parse(args);
        if (options.verbose()) {
            CliLogging.configure(true);
        }
        PingResult result = ping(options);
        (result.ok() ? out : err).print(result.message());
        return result.exitCode();
    }

    static PingResult ping(PingOptions options) {
        SshTarget target = options.target();
        SshTimeouts timeouts = SshTimeouts.uniform(options.timeout());
        try (SshConnector connector = new SshConnector()) {
            KeyPair identity = loadIdentity(options);
            List<PublicKey> pinned;
            if (options.hostKey() != null) {
                pinned = List.of(HostKeys.parse(options.hostKey()));
            } else {
                Path knownHosts = KnownHosts.userFile();
                pinned = KnownHosts.lookup(knownHosts, target.host(), target.port());
                if (pinned.isEmpty()) {
                    return PingDiagnosis.unknownHost(target, connector.probeHostKey(target, timeouts), knownHosts);
                }
            }
            try (SshSession session = connector.connect(target, identity, pinned, timeouts)) {
                return handshake(session, options.timeout());
            }
        } catch (SshTransportException e) {
            return PingDiagnosis.transport(e);
        } catch (IdentityException e) {
            return PingDiagnosis.badInput(e.getMessage());
        }
    }

    private static PingResult handshake(SshSession session, Duration limit) throws SshTransportException {
        SshTarget target = session.target();
        List<String> stderr = new CopyOnWriteArrayList<>();
        try (RemoteProcess process = session.exec(ServeProtocol.REMOTE_COMMAND, stderr::add)) {
            FutureTask<Integer> handshake = new FutureTask<>(
                    () -> new ServeClient(process.stdout(), process.stdin()).handshake());
            Thread worker = new Thread(handshake, "nixpool-ping-handshake");
            worker.setDaemon(true);
            worker.start();
            try {
                int version = handshake.get(limit.toMillis(), TimeUnit.MILLISECONDS);
                return PingDiagnosis.success(target, version, session.hostKey());
            } catch (TimeoutException e) {
                return PingDiagnosis.handshakeTimeout(target, limit, stderr);
            } catch (ExecutionException e) {
                return handshakeFailure(target, process, e.getCause(), stderr);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return PingDiagnosis.protocolError(target, "interrupted", stderr);
            }
        }
    }

    private static PingResult handshakeFailure(SshTarget target, RemoteProcess process, Throwable cause,
            List<String> stderr) {
        if (cause instanceof ProtocolMismatchException mismatch) {
            return PingDiagnosis.loginOutput(target, mismatch.printedText());
        }
        if (cause instanceof WireTruncatedException || !process.isOpen()) {
            Integer status;
            try {
                status = process.waitFor(EXIT_GRACE);
            } catch (SshTransportException e) {
                status = null;
            }
            return PingDiagnosis.remoteExited(target, status, stderr);
        }
        return PingDiagnosis.protocolError(target, String.valueOf(cause.getMessage()), stderr);
    }

    private static KeyPair loadIdentity(PingOptions options) throws IdentityException, SshTransportException {
        Path file = options.identity();
        if (file == null) {
            file = KnownHosts.userHome().resolve(".ssh").resolve("id_ed25519");
            if (!Files.isRegularFile(file)) {
                throw new IdentityException("no identity given and " + file + " does not exist; pass -i FILE");
            }
        }
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new IdentityException("cannot read the identity file " + file + ": " + e.getMessage());
        }
        return ClientKeys.load(text, file.toString());
    }

    /** The identity file is missing or unreadable (a usage problem, exit 2). */
    private static final class IdentityException extends Exception {
        IdentityException(String message) {
            super(message);
        }
    }
}

package dev.nixpool.cli.ping;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PublicKey;
import java.time.Duration;
import java.util.List;

import dev.nixpool.cli.CliLogging;
import dev.nixpool.cli.Command;
import dev.nixpool.cli.UsageException;
import dev.nixpool.ssh.ClientKeys;
import dev.nixpool.ssh.HostKeys;
import dev.nixpool.ssh.KnownHosts;
import dev.nixpool.ssh.ServeChannel;
import dev.nixpool.ssh.ServeStartException;
import dev.nixpool.ssh.SshConnector;
import dev.nixpool.ssh.SshSession;
import dev.nixpool.ssh.SshTarget;
import dev.nixpool.ssh.SshTimeouts;
import dev.nixpool.ssh.SshTransportException;
import dev.nixpool.ssh.Watchdog;

/**
 * {@code nixpool ping}: what {@code nix store ping --store ssh://HOST} does (log in, run {@code nix-store --serve
 * --write}, handshake), with each failure explained instead of printed raw.
 */
public final class PingCommand implements Command {

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
        try (Watchdog watchdog = new Watchdog("nixpool-ping-watchdog");
                ServeChannel serve = ServeChannel.start(session, line -> {
                }, limit, watchdog)) {
            return PingDiagnosis.success(session.target(), serve.version(), session.hostKey());
        } catch (ServeStartException e) {
            return PingDiagnosis.serveStart(e.failure());
        }
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

package dev.nixpool.cli.ping;

import static dev.nixpool.cli.OptionValues.value;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import dev.nixpool.cli.OptionValues;
import dev.nixpool.cli.UsageException;
import dev.nixpool.ssh.SshTarget;

/**
 * Arguments of {@code nixpool ping}.
 *
 * @param target where to log in
 * @param identity {@code -i}, or null for the default (~/.ssh/id_ed25519)
 * @param hostKey {@code --host-key}, or null to use known_hosts
 * @param timeout limit of each step (connect, login, channel, handshake)
 * @param verbose {@code -v}
 */
record PingOptions(SshTarget target, Path identity, String hostKey, Duration timeout, boolean verbose) {

    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

    static PingOptions parse(List<String> args) throws UsageException {
        Integer port = null;
        Path identity = null;
        String hostKey = null;
        Duration timeout = DEFAULT_TIMEOUT;
        boolean verbose = false;
        String destination = null;
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            switch (arg) {
                case "-p", "--port" -> port = OptionValues.port(value(args, ++i, arg), 1, "-p");
                case "-i", "--identity" -> identity = Path.of(value(args, ++i, arg));
                case "--host-key" -> hostKey = value(args, ++i, arg);
                case "--timeout" -> timeout = parseTimeout(value(args, ++i, arg));
                case "-v", "--verbose" -> verbose = true;
                default -> {
                    if (arg.startsWith("-")) {
                        throw new UsageException("unknown option '" + arg + "'");
                    }
                    if (destination != null) {
                        throw new UsageException("expected one USER@HOST, got '" + destination + "' and '" + arg + "'");
                    }
                    destination = arg;
                }
            }
        }
        if (destination == null) {
            throw new UsageException("expected USER@HOST, got nothing");
        }
        String dest = destination.startsWith("ssh://") ? destination.substring("ssh://".length()) : destination;
        SshTarget target;
        try {
            target = SshTarget.parse(dest, port == null ? SshTarget.DEFAULT_PORT : port);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        return new PingOptions(target, identity, hostKey, timeout, verbose);
    }

    private static Duration parseTimeout(String s) throws UsageException {
        try {
            double seconds = Double.parseDouble(s);
            if (seconds > 0 && seconds <= 3600) {
                return Duration.ofMillis(Math.round(seconds * 1000));
            }
        } catch (NumberFormatException e) {
            // reported below with the expected range
        }
        throw new UsageException("expected --timeout in seconds (more than 0, at most 3600), got '" + s + "'");
    }
}

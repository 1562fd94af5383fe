package dev.nixpool.ssh;

import java.util.Objects;

/**
 * Where to log in: host (name or address), TCP port and remote user.
 *
 * @param host a host name or IP address, without brackets
 * @param port 1..65535
 * @param user the remote login name
 */
public record SshTarget(String host, int port, String user) {

    public static final int DEFAULT_PORT = 22;

    public SshTarget {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(user, "user");
        if (host.isBlank()) {
            throw new IllegalArgumentException("expected a host name or address, got an empty string");
        }
        if (user.isBlank()) {
            throw new IllegalArgumentException("expected a user name for " + host + ", got an empty string");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("expected a TCP port between 1 and 65535, got " + port);
        }
    }

    /** Parses {@code user@host} (the form Nix's {@code ssh://} URIs use, without scheme or port). */
    public static SshTarget parse(String userAtHost, int port) {
        int at = userAtHost.lastIndexOf('@');
        if (at <= 0 || at == userAtHost.length() - 1) {
            throw new IllegalArgumentException("expected USER@HOST, got '" + userAtHost + "'");
        }
        String host = userAtHost.substring(at + 1);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        return new SshTarget(host, port, userAtHost.substring(0, at));
    }

    /** {@code user@host:port}, for messages. */
    @Override
    public String toString() {
        String h = host.indexOf(':') >= 0 ? "[" + host + "]" : host;
        return user + "@" + h + ":" + port;
    }
}

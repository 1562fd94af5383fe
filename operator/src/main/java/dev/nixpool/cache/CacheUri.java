package dev.nixpool.cache;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import dev.nixpool.nix.cache.NarCompression;

/**
 * A binary cache destination as a Nix store URI: {@code file:///dir}, {@code s3://bucket?region=..&endpoint=..},
 * {@code http(s)://host/path}, with Nix's {@code compression} parameter (xz by default, zstd or none). Parameters that
 * would carry secrets in the URI ({@code secret-key}, {@code profile}) are refused: keys and credentials come from
 * Secrets, never from a URI that ends up in a spec, status or log.
 */
public record CacheUri(String scheme, String authority, String path, Map<String, String> params) {

    private static final Set<String> SCHEMES = Set.of("file", "s3", "http", "https", "ssh", "ssh-ng");
    private static final Set<String> KNOWN = Set.of("compression", "region", "endpoint", "scheme");

    public CacheUri {
        params = Map.copyOf(params);
    }

    public static CacheUri parse(String text) {
        URI uri;
        try {
            uri = new URI(text);
        } catch (java.net.URISyntaxException e) {
            throw new IllegalArgumentException("not a store URI: " + e.getMessage());
        }
        String scheme = uri.getScheme();
        if (scheme == null || !SCHEMES.contains(scheme)) {
            throw new IllegalArgumentException("unsupported destination URI scheme '" + scheme
                    + "': expected file://, s3://, http://, https://, ssh:// or ssh-ng://");
        }
        Map<String, String> params = new LinkedHashMap<>();
        if (uri.getRawQuery() != null) {
            for (String pair : uri.getRawQuery().split("&")) {
                if (pair.isEmpty()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                String key = decode(eq < 0 ? pair : pair.substring(0, eq));
                String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
                if (key.equals("secret-key") || key.equals("profile")) {
                    throw new IllegalArgumentException("'" + key + "' does not belong in a cache URI: the signing key"
                            + " and credentials come from Secrets");
                }
                if (!KNOWN.contains(key)) {
                    throw new IllegalArgumentException("unknown cache URI parameter '" + key + "'; known: " + KNOWN);
                }
                params.put(key, value);
            }
        }
        CacheUri parsed = new CacheUri(scheme, uri.getRawAuthority(), uri.getPath() == null ? "" : uri.getPath(),
                params);
        parsed.compression();
        if (scheme.equals("file") && (parsed.path().isEmpty() || !parsed.path().startsWith("/"))) {
            throw new IllegalArgumentException("a file:// cache URI needs an absolute path: file:///path/to/cache");
        }
        if (parsed.isNixStore()) {
            if (uri.getUserInfo() == null || uri.getUserInfo().isEmpty() || uri.getHost() == null
                    || !parsed.path().isEmpty() || !params.isEmpty()) {
                throw new IllegalArgumentException("an " + scheme + ":// destination is " + scheme + "://user@host or "
                        + scheme + "://user@host:port, without a path or parameters");
            }
        }
        return parsed;
    }

    /** ssh://: another Nix store, written path by path over the serve protocol, not a binary cache. */
    public boolean isSshStore() {
        return scheme.equals("ssh");
    }

    /** ssh-ng://: another Nix store, its {@code nix-daemon --stdio} spoken to with the worker protocol. */
    public boolean isDaemonStore() {
        return scheme.equals("ssh-ng");
    }

    /** ssh:// or ssh-ng://: another Nix store over SSH rather than a binary cache. */
    public boolean isNixStore() {
        return isSshStore() || isDaemonStore();
    }

    /** Of an ssh:// or ssh-ng:// URI: the login user. */
    public String sshUser() {
        return URI.create(toString()).getUserInfo();
    }

    /** Of an ssh:// or ssh-ng:// URI: the host. */
    public String sshHost() {
        return URI.create(toString()).getHost();
    }

    /** Of an ssh:// or ssh-ng:// URI: the port, 22 unless given. */
    public int sshPort() {
        int port = URI.create(toString()).getPort();
        return port < 0 ? 22 : port;
    }

    public NarCompression compression() {
        return NarCompression.fromNixName(params.getOrDefault("compression", "xz"));
    }

    /** The URI as given, for messages and status: it holds no secret, since none may be put in it. */
    @Override
    public String toString() {
        StringBuilder s = new StringBuilder(scheme).append("://").append(authority == null ? "" : authority)
                .append(path);
        String sep = "?";
        for (var e : params.entrySet()) {
            s.append(sep).append(e.getKey()).append('=').append(e.getValue());
            sep = "&";
        }
        return s.toString();
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }
}

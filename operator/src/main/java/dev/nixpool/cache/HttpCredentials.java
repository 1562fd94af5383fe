package dev.nixpool.cache;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

/**
 * How an http(s) cache that takes PUTs authenticates an uploader: an {@code Authorization} header value (basic or
 * bearer). toString never shows it.
 */
public record HttpCredentials(String authorization) {

    public HttpCredentials {
        if (authorization == null || authorization.isBlank() || authorization.indexOf('\n') >= 0
                || authorization.indexOf('\r') >= 0) {
            throw new IllegalArgumentException("an HTTP Authorization value must be one non-empty line");
        }
    }

    public static HttpCredentials basic(String user, String password) {
        return new HttpCredentials("Basic " + Base64.getEncoder()
                .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8)));
    }

    public static HttpCredentials bearer(String token) {
        return new HttpCredentials("Bearer " + token);
    }

    Secrets secrets() {
        int space = authorization.indexOf(' ');
        return new Secrets(List.of(authorization, authorization.substring(space + 1)));
    }

    @Override
    public String toString() {
        int space = authorization.indexOf(' ');
        return "HttpCredentials[" + (space > 0 ? authorization.substring(0, space) : "") + " hidden]";
    }
}

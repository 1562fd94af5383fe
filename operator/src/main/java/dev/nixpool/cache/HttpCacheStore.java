package dev.nixpool.cache;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;

/**
 * An {@code http(s)://} cache that accepts uploads by PUT (nginx with WebDAV, Attic-like and plain object servers):
 * each object is PUT at {@code <base>/<key>}, existence is a HEAD. As Nix's HttpBinaryCacheStore does, 404 and 403
 * on HEAD both mean "not there" (caches that hide listings answer 403).
 */
public final class HttpCacheStore implements CacheStore {

    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(20);
    private static final int BODY_CHARS = 500;

    private final URI base;
    private final HttpCredentials credentials;
    private final Secrets secrets;
    private final HttpClient client;

    /** {@code credentials} may be null for a cache that takes anonymous PUTs. */
    public HttpCacheStore(URI base, HttpCredentials credentials) {
        if (!"http".equals(base.getScheme()) && !"https".equals(base.getScheme())) {
            throw new IllegalArgumentException("expected an http(s) URI, got scheme '" + base.getScheme() + "'");
        }
        if (base.getRawUserInfo() != null) {
            throw new IllegalArgumentException("put HTTP credentials in the credentials Secret, not in the URI");
        }
        String s = base.toString();
        this.base = URI.create(s.endsWith("/") ? s.substring(0, s.length() - 1) : s);
        this.credentials = credentials;
        this.secrets = credentials == null ? Secrets.none() : credentials.secrets();
        this.client = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT)
                .followRedirects(HttpClient.Redirect.NEVER).build();
    }

    @Override
    public void put(String key, Path file, String contentType) throws IOException {
        put(key, HttpRequest.BodyPublishers.ofFile(file), contentType);
    }

    @Override
    public void put(String key, byte[] data, String contentType) throws IOException {
        put(key, HttpRequest.BodyPublishers.ofByteArray(data), contentType);
    }

    private void put(String key, HttpRequest.BodyPublisher body, String contentType) throws IOException {
        HttpRequest request = request(key).header("Content-Type", contentType).PUT(body).build();
        HttpResponse<String> response = send(request, "PUT " + key);
        if (response.statusCode() / 100 != 2) {
            throw refused("PUT " + key, response);
        }
    }

    @Override
    public boolean exists(String key) throws IOException {
        HttpRequest request = request(key).method("HEAD", HttpRequest.BodyPublishers.noBody()).build();
        HttpResponse<String> response = send(request, "HEAD " + key);
        int status = response.statusCode();
        if (status == 404 || status == 403) {
            return false;
        }
        if (status / 100 == 2) {
            return true;
        }
        throw refused("HEAD " + key, response);
    }

    @Override
    public String location() {
        return base.toString();
    }

    private HttpRequest.Builder request(String key) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + "/" + CacheStore.checkKey(key)));
        if (credentials != null) {
            b.header("Authorization", credentials.authorization());
        }
        return b;
    }

    private HttpResponse<String> send(HttpRequest request, String what) throws CacheStoreException {
        try {
            return client.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new CacheStoreException(location() + ": " + what + " failed: " + secrets.redact(String.valueOf(e)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CacheStoreException(location() + ": " + what + " interrupted");
        }
    }

    private CacheStoreException refused(String what, HttpResponse<String> response) {
        String body = response.body() == null ? "" : response.body().strip();
        if (body.length() > BODY_CHARS) {
            body = body.substring(0, BODY_CHARS) + "...";
        }
        return new CacheStoreException(location() + ": " + what + " answered HTTP " + response.statusCode()
                + (body.isEmpty() ? "" : ": " + secrets.redact(body)));
    }
}

package dev.nixpool.cache;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A binary cache over HTTP on 127.0.0.1 for the ITs, on the JDK's own HTTP server: serves a directory by GET and HEAD
 * (a plain static file server, which is all Nix needs to substitute from it) and, when given an Authorization value,
 * also takes PUTs that carry it, as upload-capable caches do. Java 17 has no SimpleFileServer, hence this small one.
 */
public final class LoopbackHttpCache implements AutoCloseable {

    final Path root;
    public final List<String> requests = new CopyOnWriteArrayList<>();
    private final String requiredAuthorization;
    private final HttpServer server;
    private final ExecutorService executor = Executors.newFixedThreadPool(4);

    private LoopbackHttpCache(Path root, String requiredAuthorization) throws IOException {
        this.root = root.toAbsolutePath().normalize();
        this.requiredAuthorization = requiredAuthorization;
        this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::handle);
        server.setExecutor(executor);
        server.start();
    }

    /** Read-only: GET and HEAD. */
    public static LoopbackHttpCache serving(Path root) throws IOException {
        return new LoopbackHttpCache(root, null);
    }

    /** Also PUT, from clients that send exactly {@code authorization}. */
    public static LoopbackHttpCache acceptingPuts(Path root, String authorization) throws IOException {
        return new LoopbackHttpCache(root, authorization);
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            String key = exchange.getRequestURI().getPath().replaceFirst("^/+", "");
            requests.add(method + " " + key);
            Path file = root.resolve(key).normalize();
            if (!file.startsWith(root) || key.isEmpty()) {
                send(exchange, 400, "bad path");
                return;
            }
            switch (method) {
                case "GET", "HEAD" -> {
                    if (!Files.isRegularFile(file)) {
                        send(exchange, 404, "no such object: " + key);
                        return;
                    }
                    long size = Files.size(file);
                    if (method.equals("HEAD")) {
                        exchange.getResponseHeaders().set("Content-Length", Long.toString(size));
                        exchange.sendResponseHeaders(200, -1);
                    } else {
                        exchange.sendResponseHeaders(200, size);
                        try (OutputStream out = exchange.getResponseBody()) {
                            Files.copy(file, out);
                        }
                    }
                }
                case "PUT" -> {
                    if (requiredAuthorization == null) {
                        send(exchange, 405, "this cache is read-only");
                        return;
                    }
                    if (!requiredAuthorization.equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
                        send(exchange, 401, "upload refused: invalid credentials for this cache");
                        return;
                    }
                    Files.createDirectories(file.getParent());
                    Path tmp = Files.createTempFile(file.getParent(), ".put-", "");
                    try (InputStream in = exchange.getRequestBody()) {
                        Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
                    }
                    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                    exchange.sendResponseHeaders(201, -1);
                }
                default -> send(exchange, 405, "method not allowed");
            }
        }
    }

    private static void send(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        if (exchange.getRequestMethod().equals("HEAD")) {
            exchange.sendResponseHeaders(status, -1);
            return;
        }
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}

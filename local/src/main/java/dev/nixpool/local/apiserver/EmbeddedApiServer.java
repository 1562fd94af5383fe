package dev.nixpool.local.apiserver;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.kubernetes.client.vertx.VertxHttpClientFactory;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.vertx.ServerWebSocketHandler;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;

/**
 * An in-memory stand-in for a cluster's API server, on loopback, that both the Fabric8 client (operator, builder
 * runtime) and the real kubectl can drive. The objects live in the Fabric8 mock server's CRUD store; this class puts
 * its own HTTP front on it because kubectl needs what the mock's front cannot give: watches streamed over plain HTTP.
 * Everything the mock does serve (its WebSocket watches included) is still served by the mock's code.
 */
public final class EmbeddedApiServer implements AutoCloseable {

    /** The namespace kubectl and the client use when none is given. */
    public static final String DEFAULT_NAMESPACE = "default";

    private static final long STOP_TIMEOUT_SECONDS = 10;

    private final Vertx vertx;
    /** The client's own: its watch events decoded on the server's one event-loop thread would be taken from it. */
    private final Vertx clientVertx;
    private final HttpServer server;
    private final ApiRequestRouter router;
    private final HttpWatches watches;
    private final KubernetesClient client;
    private final LocalUsers users = new LocalUsers();
    private final AccessControl access;
    private final ServiceProxy proxy;
    private final ApiWrites writes = new ApiWrites();
    private final GarbageCollector collector;
    private final ObservableCrudStore store;

    private EmbeddedApiServer(Vertx vertx, ObservableCrudStore store, int port) {
        this.vertx = vertx;
        this.store = store;
        this.access = new AccessControl(users, store);
        this.proxy = new ServiceProxy(vertx, store);
        TableRenderer tables = new TableRenderer(Clock.systemUTC());
        Discovery discovery = new Discovery(new StoredCrds(store));
        this.router = new ApiRequestRouter(store, discovery, tables);
        this.watches = new HttpWatches(vertx, store, router, tables);
        this.server = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(port))
                .requestHandler(this::handle);
        await(server.listen(), "listen on 127.0.0.1:" + port);
        this.collector = new GarbageCollector(store, discovery, router);
        // on a Vert.x of this server's (the client's default shared one keeps non-daemon threads after close()), but
        // not the server's: the builder runtime's and the benchmarks' watch events would be decoded on the server's
        // one event-loop thread, between the answers to everyone else's requests
        this.clientVertx = Vertx.vertx();
        this.client = new KubernetesClientBuilder().withHttpClientFactory(new VertxHttpClientFactory(clientVertx))
                .withConfig(new ConfigBuilder(Config.empty())
                        .withMasterUrl(url()).withNamespace(DEFAULT_NAMESPACE).withHttp2Disable(true).build())
                .build();
    }

    /**
     * Starts the server on 127.0.0.1 ({@code port} 0 picks a free one), creates the default namespace and stores the
     * CustomResourceDefinitions found in {@code crdDirectory}'s *.yml/*.yaml files (other kinds there are skipped), so
     * their resources, status subresources and printer columns are served from the start.
     */
    public static EmbeddedApiServer start(Path crdDirectory, int port) {
        Vertx vertx = Vertx.vertx();
        EmbeddedApiServer server;
        try {
            server = new EmbeddedApiServer(vertx, new ObservableCrudStore(), port);
        } catch (RuntimeException e) {
            await(vertx.close(), "stop Vert.x");
            throw e;
        }
        try {
            server.client.namespaces()
                    .resource(
                            new NamespaceBuilder().withNewMetadata().withName(DEFAULT_NAMESPACE).endMetadata().build())
                    .create();
            for (CustomResourceDefinition crd : loadCrds(crdDirectory)) {
                server.client.apiextensions().v1().customResourceDefinitions().resource(crd).create();
            }
            Thread compiler = new Thread(server.router::compileRules, "nixpool-apiserver-cel");
            compiler.setDaemon(true);
            compiler.start();
            return server;
        } catch (IOException | RuntimeException e) {
            server.close();
            throw new IllegalStateException("could not load the CRDs from " + crdDirectory + ": " + e.getMessage(), e);
        }
    }

    static List<CustomResourceDefinition> loadCrds(Path directory) throws IOException {
        if (!Files.isDirectory(directory)) {
            throw new IOException("expected a directory of CRD manifests, found none at " + directory);
        }
        List<CustomResourceDefinition> crds = new ArrayList<>();
        try (Stream<Path> files = Files.list(directory)) {
            for (Path file : files.sorted().filter(f -> f.toString().matches(".*\\.ya?ml$")).toList()) {
                String text = Files.readString(file, StandardCharsets.UTF_8);
                if (text.contains("kind: \"CustomResourceDefinition\"")
                        || text.contains("kind: CustomResourceDefinition")) {
                    crds.add(Serialization.unmarshal(text, CustomResourceDefinition.class));
                }
            }
        }
        if (crds.isEmpty()) {
            throw new IOException("no CustomResourceDefinition manifests (*.yml, *.yaml) in " + directory);
        }
        return crds;
    }

    /** The base URL, e.g. http://127.0.0.1:40123. */
    public String url() {
        return "http://127.0.0.1:" + server.actualPort();
    }

    public int port() {
        return server.actualPort();
    }

    /** A Fabric8 client for this server, namespace "default"; closed with the server. */
    public KubernetesClient client() {
        return client;
    }

    /** The writes this server answered so far (the scale benchmark's API writes per build). */
    public ApiWrites writes() {
        return writes;
    }

    /**
     * Calls {@code sink} with the name and new state of every object of {@code group}/{@code plural} in
     * {@code namespace} written from now on (null for a deleted one), on the writing thread under the store's lock:
     * keep it short. For observers in this process that must not load the server as a watching client would (the
     * scale benchmark); closing the returned handle stops the calls.
     */
    public Observation observe(String group, String plural, String namespace, BiConsumer<String, JsonNode> sink) {
        StoredObjects observer = new StoredObjects(group, plural, namespace, sink);
        store.addListener(observer);
        return () -> store.removeListener(observer);
    }

    /** What {@link #observe} returns: closing it stops the calls. */
    public interface Observation extends AutoCloseable {
        @Override
        void close();
    }

    /** Watches being served now, over HTTP and WebSocket (tests). */
    int openWatches() {
        return watches.open();
    }

    /** The users whose bearer tokens this server accepts; tests add unprivileged ones here. */
    public LocalUsers users() {
        return users;
    }

    /**
     * Writes a kubeconfig whose current context points kubectl at this server, namespace "default", as the local admin
     * (system:masters).
     */
    public void writeKubeconfig(Path file) throws IOException {
        writeKubeconfig(file, LocalUsers.ADMIN);
    }

    /** The same for one of {@link #users()}, with that user's token. */
    public void writeKubeconfig(Path file, String user) throws IOException {
        String kubeconfig = """
                apiVersion: v1
                kind: Config
                clusters:
                - name: nixpool-local
                  cluster:
                    server: %s
                contexts:
                - name: nixpool-local
                  context:
                    cluster: nixpool-local
                    user: nixpool-local
                    namespace: %s
                current-context: nixpool-local
                users:
                - name: nixpool-local
                  user:
                    token: %s
                """.formatted(url(), DEFAULT_NAMESPACE, users.tokenOf(user));
        Files.writeString(file, kubeconfig, StandardCharsets.UTF_8);
    }

    private void handle(HttpServerRequest request) {
        Future<Buffer> body = hasBody(request) ? request.body() : Future.succeededFuture(Buffer.buffer());
        body.onFailure(e -> write(request.response(),
                ApiRequestRouter.error(400, "could not read the request body: " + e.getMessage(), null)))
                .onSuccess(bytes -> {
                    try {
                        respond(request, bytes);
                    } catch (RuntimeException e) {
                        // a request the store cannot handle must still get an answer, or the client hangs
                        ResourcePath path = ResourcePath.parse(request.uri());
                        answer(request, path, ApiRequestRouter.error(500,
                                e.getClass().getSimpleName() + ": " + e.getMessage(), path));
                    }
                });
    }

    private void respond(HttpServerRequest request, Buffer bytes) {
        RecordedRequest recorded = new RecordedRequest(request.version().alpnName().toUpperCase(Locale.ROOT),
                HttpMethod.fromVertx(request.method()), request.uri(),
                Headers.builder().addAll(request.headers()).build(),
                new io.fabric8.mockwebserver.http.Buffer(bytes.getBytes()));
        boolean webSocket = "websocket".equalsIgnoreCase(request.getHeader("Upgrade"));
        ResourcePath path = ResourcePath.parse(request.uri());
        Optional<MockResponse> refused = authenticateAndAuthorize(request, path, bytes);
        if (refused.isPresent()) {
            answer(request, path, refused.get());
            return;
        }
        if (ServiceProxy.handles(path)) {
            try {
                proxy.forward(request, path, bytes).ifPresent(r -> answer(request, path, r));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return;
        }
        if (path != null && path.isWatch() && request.method() == io.vertx.core.http.HttpMethod.GET) {
            if (webSocket) {
                watches.serveWebSocket(path, request);
            } else {
                watches.serve(path, ApiRequestRouter.wantsTable(recorded), request.response());
            }
            return;
        }
        MockResponse response = router.dispatch(recorded);
        if (webSocket && response.getWebSocketListener() != null) {
            request.toWebSocket().onSuccess(new ServerWebSocketHandler(recorded, response))
                    .onFailure(e -> request.response().setStatusCode(500).end());
            return;
        }
        answer(request, path, response);
    }

    /** Writes the answer and counts it among {@link #writes()} by its status code. */
    private void answer(HttpServerRequest request, ResourcePath path, MockResponse response) {
        writes.record(request.method().name(), path, response.code());
        write(request.response(), response);
    }

    /**
     * 401 for an unknown token, 403 for a request RBAC does not allow, the answer itself for the review APIs; empty
     * when the request goes on.
     */
    private Optional<MockResponse> authenticateAndAuthorize(HttpServerRequest request, ResourcePath path,
            Buffer bytes) {
        AccessControl.Identity identity = access.authenticate(request.getHeader("Authorization"));
        if (identity instanceof AccessControl.Identity.Rejected rejected) {
            return Optional.of(rejected.response());
        }
        UserInfo user = ((AccessControl.Identity.Known) identity).user();
        String bare = request.path();
        Optional<MockResponse> denied = access.authorize(user, request.method().name(), bare, path);
        if (denied.isPresent() || request.method() != io.vertx.core.http.HttpMethod.POST) {
            return denied;
        }
        try {
            if (bare.equals(AccessControl.TOKEN_REVIEWS)) {
                return Optional.of(access.tokenReview(bytes.getBytes()));
            }
            if (bare.equals(AccessControl.SUBJECT_ACCESS_REVIEWS)) {
                return Optional.of(access.subjectAccessReview(bytes.getBytes()));
            }
        } catch (IOException e) {
            return Optional.of(AccessControl.status(400, "BadRequest", "the review is not JSON: " + e.getMessage(),
                    path));
        }
        return Optional.empty();
    }

    private static void write(HttpServerResponse out, MockResponse response) {
        out.setStatusCode(response.code());
        response.getHeaders().toMultimap().forEach((name, values) -> out.headers().add(name, values));
        byte[] body = response.getBody() == null ? new byte[0] : response.getBody().getBytes();
        out.end(Buffer.buffer(body));
    }

    private static boolean hasBody(HttpServerRequest request) {
        String length = request.getHeader("Content-Length");
        if (length != null && !length.isBlank()) {
            return Long.parseLong(length.trim()) > 0;
        }
        return request.headers().contains("Transfer-Encoding");
    }

    @Override
    public void close() {
        collector.close();
        client.close();
        proxy.close();
        try {
            await(server.close(), "stop the HTTP server");
        } finally {
            try {
                await(clientVertx.close(), "stop the client's Vert.x");
            } finally {
                await(vertx.close(), "stop Vert.x");
            }
        }
    }

    private static <T> T await(Future<T> future, String what) {
        try {
            return future.toCompletionStage().toCompletableFuture().get(STOP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting to " + what, e);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("could not " + what + ": " + e.getMessage(), e);
        }
    }
}

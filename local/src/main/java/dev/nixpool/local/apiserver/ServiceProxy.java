package dev.nixpool.local.apiserver;

import java.io.IOException;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.fabric8.mockwebserver.http.MockResponse;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.RequestOptions;

/**
 * The {@code services/proxy} subresource: {@code /api/v1/namespaces/NS/services/[http:]NAME[:PORT]/proxy/PATH} is
 * forwarded to an address of the Service's Endpoints, as the real API server does it. As there, the caller's
 * Authorization header (already consumed by authentication) and the hop-by-hop headers are not passed on; every other
 * header is, and the answer streams back unchanged.
 */
final class ServiceProxy implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> NOT_FORWARDED = Set.of("authorization", "host", "connection", "keep-alive",
            "proxy-connection", "transfer-encoding", "upgrade", "te", "trailer", "proxy-authorization",
            "impersonate-user", "impersonate-group", "impersonate-uid");

    private final ObservableCrudStore store;
    private final HttpClient client;

    ServiceProxy(Vertx vertx, ObservableCrudStore store) {
        this.store = store;
        this.client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false));
    }

    static boolean handles(ResourcePath path) {
        return path != null && path.group().isEmpty() && "services".equals(path.plural())
                && "proxy".equals(path.subresource()) && path.namespace() != null && path.name() != null;
    }

    /** Forwards the request, or answers the Status a real API server would when it cannot. */
    Optional<MockResponse> forward(HttpServerRequest request, ResourcePath path, Buffer body) throws IOException {
        String[] spec = path.name().split(":", -1);
        String scheme = spec.length == 3 ? spec[0] : "http";
        String service = spec.length == 3 ? spec[1] : spec[0];
        String port = spec.length == 3 ? spec[2] : spec.length == 2 ? spec[1] : "";
        if (!scheme.equals("http")) {
            return Optional.of(AccessControl.status(503, "ServiceUnavailable",
                    "the embedded API server proxies only plain http, not " + scheme, path));
        }
        MockResponse stored = store.handleGet("/api/v1/namespaces/" + path.namespace() + "/services/" + service);
        if (stored.code() != 200) {
            return Optional.of(AccessControl.status(404, "NotFound", "services \"" + service + "\" not found", path));
        }
        Optional<JsonNode> servicePort = servicePort(JSON.readTree(stored.getBody().readUtf8()), port);
        if (servicePort.isEmpty()) {
            return Optional.of(AccessControl.status(503, "ServiceUnavailable",
                    "no service port \"" + port + "\" found for service \"" + service + "\"", path));
        }
        Optional<Target> target = target(path.namespace(), service, servicePort.get());
        if (target.isEmpty()) {
            return Optional.of(AccessControl.status(503, "ServiceUnavailable",
                    "no endpoints available for service \"" + service + "\"", path));
        }
        String marker = "/" + path.name() + "/proxy";
        String uri = request.uri();
        String rest = uri.substring(uri.indexOf(marker) + marker.length());
        if (rest.isEmpty() || rest.startsWith("?")) {
            rest = "/" + rest;
        }
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.valueOf(request.method().name()))
                .setHost(target.get().ip()).setPort(target.get().port()).setURI(rest);
        request.headers().forEach((name, value) -> {
            if (!NOT_FORWARDED.contains(name.toLowerCase(Locale.ROOT))) {
                options.addHeader(name, value);
            }
        });
        client.request(options)
                .compose(out -> out.send(body))
                .onSuccess(in -> {
                    var response = request.response().setStatusCode(in.statusCode()).setChunked(true);
                    in.headers().forEach((name, value) -> {
                        if (!NOT_FORWARDED.contains(name.toLowerCase(Locale.ROOT))
                                && !name.equalsIgnoreCase("content-length")) {
                            response.headers().add(name, value);
                        }
                    });
                    in.pipeTo(response);
                })
                .onFailure(e -> {
                    var response = request.response().setStatusCode(503).putHeader("Content-Type",
                            "application/json");
                    response.end(ApiErrors.status(503, "ServiceUnavailable", "error trying to reach service: "
                            + e.getMessage(), path).toString());
                });
        return Optional.empty();
    }

    private static Optional<JsonNode> servicePort(JsonNode service, String wanted) {
        for (JsonNode port : service.path("spec").path("ports")) {
            if (wanted.isEmpty() || wanted.equals(port.path("name").asText())
                    || wanted.equals(port.path("port").asText())) {
                return Optional.of(port);
            }
        }
        return Optional.empty();
    }

    private Optional<Target> target(String namespace, String service, JsonNode servicePort) throws IOException {
        MockResponse stored = store.handleGet("/api/v1/namespaces/" + namespace + "/endpoints/" + service);
        if (stored.code() != 200) {
            return Optional.empty();
        }
        String portName = servicePort.path("name").asText("");
        for (JsonNode subset : JSON.readTree(stored.getBody().readUtf8()).path("subsets")) {
            JsonNode addresses = subset.path("addresses");
            for (JsonNode port : subset.path("ports")) {
                if (port.path("name").asText("").equals(portName) && !addresses.isEmpty()) {
                    return Optional.of(new Target(addresses.get(0).path("ip").asText(), port.path("port").asInt()));
                }
            }
        }
        return Optional.empty();
    }

    @Override
    public void close() {
        client.close();
    }

    private record Target(String ip, int port) {
    }
}

package dev.nixpool;

import java.util.HashMap;
import java.util.Map;
import java.util.Queue;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;

/**
 * A Fabric8 mock API server and a client of it, one per test, for tests that need an API server but no Quarkus: it
 * stores what is created (CRUD), and answers a request that has an expectation ({@code server().expect()}) with that
 * instead, for refusals and failures. Started when the test instance is made, so fields can take its client:
 *
 * <pre>
 * &#64;RegisterExtension
 * final MockApiServer api = new MockApiServer();
 * private final KubernetesClient client = api.client();
 * </pre>
 *
 * Stopped after the test's own {@code @AfterEach} methods.
 */
public final class MockApiServer implements AfterEachCallback {

    private final KubernetesMockServer server;
    private final KubernetesClient client;

    public MockApiServer() {
        this(false);
    }

    /**
     * @param withoutRetries whether the client gives up at once on 5xx and 429 (its own retries would only slow down a
     *        test of how those answers are handled)
     */
    public MockApiServer(boolean withoutRetries) {
        Map<ServerRequest, Queue<ServerResponse>> expectations = new HashMap<>();
        server = new KubernetesMockServer(new Context(), new MockWebServer(), expectations,
                new KubernetesMixedDispatcher(expectations), false);
        server.init();
        if (withoutRetries) {
            try (KubernetesClient base = server.createClient()) {
                client = new KubernetesClientBuilder()
                        .withConfig(new ConfigBuilder(base.getConfiguration()).withRequestRetryBackoffLimit(0).build())
                        .build();
            }
        } else {
            client = server.createClient();
        }
    }

    public KubernetesMockServer server() {
        return server;
    }

    public KubernetesClient client() {
        return client;
    }

    @Override
    public void afterEach(ExtensionContext context) {
        client.close();
        server.destroy();
    }
}

package dev.nixpool.runtime;

import java.util.HashMap;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;

/** The Fabric8 mock API server in CRUD mode (stores what it is sent, serves watches), plus a client for it. */
final class CrudMockServer implements AutoCloseable {

    private final KubernetesMockServer server;
    private final KubernetesClient client;

    CrudMockServer() {
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
                new KubernetesCrudDispatcher(), false);
        server.init();
        client = server.createClient();
    }

    /** For clients in other processes. */
    String url() {
        return client.getMasterUrl().toString();
    }

    KubernetesClient client() {
        return client;
    }

    @Override
    public void close() {
        client.close();
        server.destroy();
    }
}

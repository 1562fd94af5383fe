package dev.nixpool.local;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.Dispatcher;

/**
 * The local cluster's Kubernetes API server: the Fabric8 mock server in CRUD mode (it stores what it is sent, serves
 * reads, label selectors, resourceVersion conflicts and WebSocket watches), over plain HTTP on a loopback port. Gaps
 * (no server-side apply, no strategic merge patch, no garbage collection, no schema validation, no chunked-HTTP
 * watches, no discovery documents) are listed in docs/local-cluster.md.
 * <p>
 * What the mock does not do is added by decorating its dispatcher ({@link #start(int, UnaryOperator)}): a decorator
 * answers the requests it knows and hands the rest to the CRUD dispatcher.
 */
public final class InMemoryApiServer implements AutoCloseable {

    /** The namespace clients of this server use when a resource names none, as in a fresh cluster. */
    public static final String DEFAULT_NAMESPACE = "default";

    private final KubernetesMockServer server;
    private final KubernetesClient client;
    private final String url;
    private final Thread requestDrain;

    private InMemoryApiServer(KubernetesMockServer server) {
        this.server = server;
        this.url = "http://" + InetAddress.getLoopbackAddress().getHostAddress() + ":" + server.getPort();
        this.client = newClient(url);
        // the mock records every request for test assertions; a long-lived local cluster must not keep them all
        this.requestDrain = new Thread(this::drainRecordedRequests, "nixpool-api-server-drain");
        requestDrain.setDaemon(true);
        requestDrain.start();
    }

    /** Starts the plain CRUD server on {@code port} of 127.0.0.1 (0 = any free port). */
    public static InMemoryApiServer start(int port) {
        return start(port, UnaryOperator.identity());
    }

    /**
     * @param decorate wraps the CRUD dispatcher, for requests the mock does not serve by itself
     */
    public static InMemoryApiServer start(int port, UnaryOperator<Dispatcher> decorate) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("API server port must be 0 (any free port) or 1-65535, got " + port);
        }
        KubernetesMockServer server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
                decorate.apply(new KubernetesCrudDispatcher()), false);
        server.init(InetAddress.getLoopbackAddress(), port);
        return new InMemoryApiServer(server);
    }

    /** The URL clients in other processes use, e.g. in a kubeconfig. */
    public String url() {
        return url;
    }

    public int port() {
        return server.getPort();
    }

    /** A client of this server that ignores the machine's own kubeconfig. Closed with the server. */
    public KubernetesClient client() {
        return client;
    }

    /**
     * Stores the CustomResourceDefinitions of {@code dir} (every {@code *.yml}/{@code *.yaml} of kind
     * CustomResourceDefinition): the mock serves a custom resource's status subresource only when its CRD is stored.
     *
     * @return the names of the stored CRDs
     */
    public List<String> installCrds(Path dir) {
        List<String> installed = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.filter(InMemoryApiServer::isYaml).sorted().toList()) {
                try (InputStream in = Files.newInputStream(file)) {
                    Object resource = client.getKubernetesSerialization().unmarshal(in);
                    if (resource instanceof CustomResourceDefinition crd) {
                        client.resource(crd).create();
                        installed.add(crd.getMetadata().getName());
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the CRDs in " + dir, e);
        }
        if (installed.isEmpty()) {
            throw new IllegalArgumentException(
                    "no CustomResourceDefinition in " + dir + " (expected the crds/ directory)");
        }
        return installed;
    }

    @Override
    public void close() {
        requestDrain.interrupt();
        try {
            client.close();
        } finally {
            server.destroy();
        }
    }

    static KubernetesClient newClient(String url) {
        Config config = new ConfigBuilder(Config.empty()).withMasterUrl(url).withNamespace(DEFAULT_NAMESPACE).build();
        return new KubernetesClientBuilder().withConfig(config).build();
    }

    private void drainRecordedRequests() {
        try {
            while (!Thread.currentThread().isInterrupted()) {
                server.takeRequest(1, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static boolean isYaml(Path file) {
        String name = file.getFileName().toString();
        return name.endsWith(".yml") || name.endsWith(".yaml");
    }
}

package dev.nixpool.local;

import java.util.Map;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * One local cluster for all tests of a class: {@code @RegisterExtension static LocalClusterExtension cluster = ...}.
 * Started before the first test, closed after the last.
 */
final class LocalClusterExtension implements BeforeAllCallback, AfterAllCallback {

    private final String label;
    private final int firstHost;
    private final int lastHost;
    private final Map<String, String> operatorProperties;
    private LocalCluster cluster;

    /** Builders of this class's cluster take 127.0.0.{firstHost..lastHost}. */
    LocalClusterExtension(String label, int firstHost, int lastHost) {
        this(label, firstHost, lastHost, Map.of());
    }

    /** The same, its operator run with these properties besides local mode's. */
    LocalClusterExtension(String label, int firstHost, int lastHost, Map<String, String> operatorProperties) {
        this.label = label;
        this.firstHost = firstHost;
        this.lastHost = lastHost;
        this.operatorProperties = Map.copyOf(operatorProperties);
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        cluster = ScenarioFixture.start(label, firstHost, lastHost, 1, operatorProperties);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (cluster != null) {
            cluster.close();
            cluster = null;
        }
    }

    LocalCluster cluster() {
        return cluster;
    }

    KubernetesClient client() {
        return cluster.client();
    }
}

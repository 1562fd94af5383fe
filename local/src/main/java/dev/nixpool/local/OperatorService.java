package dev.nixpool.local;

import java.net.URI;

import io.fabric8.kubernetes.api.model.EndpointsBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * The operator's HTTP port as a Service, where the install puts it ({@code nixpool-system/nixpool-operator}, port
 * {@code http}), so clients reach its log endpoint through the API server's service proxy in local mode as on a
 * cluster. Local mode has no pod for the operator, so the Endpoints name its loopback address directly.
 */
public final class OperatorService {

    public static final String NAMESPACE = "nixpool-system";
    public static final String NAME = "nixpool-operator";
    public static final String PORT_NAME = "http";

    private OperatorService() {
    }

    /** Creates (or points anew) the Service and its Endpoints at the operator's HTTP address. */
    public static void register(KubernetesClient client, URI operatorHttp) {
        if (client.namespaces().withName(NAMESPACE).get() == null) {
            client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NAMESPACE).endMetadata()
                    .build()).create();
        }
        client.services().inNamespace(NAMESPACE).resource(new ServiceBuilder().withNewMetadata().withName(NAME)
                .addToLabels("app.kubernetes.io/name", NAME).endMetadata().withNewSpec().addNewPort()
                .withName(PORT_NAME).withPort(8080).withNewTargetPort(PORT_NAME).endPort().endSpec().build())
                .createOr(existing -> existing.update());
        client.endpoints().inNamespace(NAMESPACE).resource(new EndpointsBuilder().withNewMetadata().withName(NAME)
                .endMetadata().addNewSubset().addNewAddress().withIp(operatorHttp.getHost()).endAddress()
                .addNewPort().withName(PORT_NAME).withPort(operatorHttp.getPort()).endPort().endSubset().build())
                .createOr(existing -> existing.update());
    }
}

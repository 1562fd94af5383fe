package dev.nixpool.runtime;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;

/**
 * Registers the played node as a kubelet registers its own: a Node object with the node's labels and taints, so
 * {@code kubectl get nodes --show-labels} shows what builder pods are matched against.
 */
final class NodeRegistration {

    private NodeRegistration() {
    }

    static void register(KubernetesClient client, LocalNode node) {
        client.nodes().resource(render(node)).createOr(NonDeletingOperation::update);
    }

    static Node render(LocalNode node) {
        return new NodeBuilder().withNewMetadata().withName(node.name()).withLabels(node.labels()).endMetadata()
                .withNewSpec().withTaints(node.taints()).endSpec().withNewStatus().addNewCondition().withType("Ready")
                .withStatus("True").withReason("KubeletReady").withMessage("the nixpool builder runtime is running")
                .endCondition().addNewAddress().withType("InternalIP").withAddress(PodStatusRenderer.HOST_IP)
                .endAddress().addNewAddress().withType("Hostname").withAddress(node.name()).endAddress()
                .endStatus().build();
    }
}

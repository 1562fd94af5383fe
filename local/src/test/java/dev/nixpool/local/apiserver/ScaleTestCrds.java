package dev.nixpool.local.apiserver;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.utils.Serialization;

/**
 * Two small custom resource types for the scale subresource: pools declare one over the fields a BuildMachine's warm
 * capacity uses (spec.minIdle, status.idleBuilders, status.selector), gadgets declare none.
 */
final class ScaleTestCrds {

    static final String GROUP = "scaling.nixpool.dev";
    static final ResourceDefinitionContext POOLS = new ResourceDefinitionContext.Builder().withGroup(GROUP)
            .withVersion("v1").withPlural("pools").withKind("Pool").withNamespaced(true).build();
    static final ResourceDefinitionContext GADGETS = new ResourceDefinitionContext.Builder().withGroup(GROUP)
            .withVersion("v1").withPlural("gadgets").withKind("Gadget").withNamespaced(true).build();

    private static final String CRD = """
            apiVersion: apiextensions.k8s.io/v1
            kind: CustomResourceDefinition
            metadata:
              name: %2$s.%1$s
            spec:
              group: %1$s
              names:
                kind: %3$s
                plural: %2$s
                singular: %4$s
              scope: Namespaced
              versions:
              - name: v1
                served: true
                storage: true
                schema:
                  openAPIV3Schema:
                    type: object
                    x-kubernetes-preserve-unknown-fields: true
                subresources:
                  status: {}
            %5$s""";
    private static final String SCALE = """
                  scale:
                    specReplicasPath: .spec.minIdle
                    statusReplicasPath: .status.idleBuilders
                    labelSelectorPath: .status.selector
            """;

    private ScaleTestCrds() {
    }

    /** Stores both CRDs; the server serves their resources from the next request on. */
    static void create(KubernetesClient client) {
        for (String crd : new String[]{CRD.formatted(GROUP, "pools", "Pool", "pool", SCALE),
                CRD.formatted(GROUP, "gadgets", "Gadget", "gadget", "")}) {
            client.apiextensions().v1().customResourceDefinitions()
                    .resource(Serialization.unmarshal(crd, CustomResourceDefinition.class)).create();
        }
    }
}

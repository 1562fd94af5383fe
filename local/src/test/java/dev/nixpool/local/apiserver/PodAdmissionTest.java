package dev.nixpool.local.apiserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;

/** The ServiceAccount and PodSecurity admission plugins as the embedded API server plays them on pod creates. */
class PodAdmissionTest {

    @RegisterExtension
    static final EmbeddedApiServerExtension API = new EmbeddedApiServerExtension();

    @BeforeAll
    static void start() {
        namespace("plain", Map.of());
        namespace("strict", Map.of(PodAdmission.ENFORCE_LABEL, "restricted"));
        namespace("base", Map.of(PodAdmission.ENFORCE_LABEL, "baseline", PodAdmission.ENFORCE_VERSION_LABEL,
                "v1.32"));
    }

    private static void namespace(String name, Map<String, String> labels) {
        API.client().namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(name).withLabels(labels)
                .endMetadata().build()).create();
    }

    /** A pod as the operator renders a builder: non-root, no escalation, every capability dropped, RuntimeDefault. */
    private static PodBuilder compliant(String namespace, String name) {
        return new PodBuilder().withNewMetadata().withNamespace(namespace).withName(name).endMetadata()
                .withNewSpec().withNewSecurityContext().withRunAsNonRoot(true).withRunAsUser(10001L)
                .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile().endSecurityContext()
                .addNewContainer().withName("builder").withImage("nixpool/builder:0.1.0").withNewSecurityContext()
                .withAllowPrivilegeEscalation(false).withNewCapabilities().withDrop("ALL").endCapabilities()
                .endSecurityContext().endContainer()
                .addNewVolume().withName("keys").withNewSecret().withSecretName("k").endSecret().endVolume()
                .endSpec();
    }

    private static KubernetesClientException refused(Pod pod) {
        try {
            API.client().resource(pod).create();
        } catch (KubernetesClientException e) {
            return e;
        }
        throw new AssertionError("the pod was admitted: " + pod.getMetadata().getName());
    }

    @Test
    void aMissingServiceAccountIsRefusedAtCreation() {
        KubernetesClientException e = refused(compliant("plain", "sa-missing").editSpec()
                .withServiceAccountName("builders").endSpec().build());
        assertThat(e.getCode()).isEqualTo(403);
        assertThat(e.getStatus().getMessage()).isEqualTo("pods \"sa-missing\" is forbidden: error looking up service"
                + " account plain/builders: serviceaccount \"builders\" not found");

        API.client().resource(new ServiceAccountBuilder().withNewMetadata().withNamespace("plain").withName("builders")
                .endMetadata().build()).create();
        assertThat(API.client().resource(compliant("plain", "sa-present").editSpec().withServiceAccountName("builders")
                .endSpec().build()).create()).isNotNull();
        assertThat(API.client().resource(compliant("plain", "sa-default").editSpec().withServiceAccountName("default")
                .endSpec().build()).create()).as("the default account always exists").isNotNull();
    }

    @Test
    void restrictedAdmitsTheOperatorsBuilderPodAndRefusesAnUnconfinedOne() {
        assertThat(API.client().resource(compliant("strict", "ok").build()).create()).isNotNull();

        KubernetesClientException e = refused(compliant("strict", "unconfined").editMetadata()
                .addToAnnotations("container.apparmor.security.beta.kubernetes.io/builder", "unconfined")
                .endMetadata().build());
        assertThat(e.getCode()).isEqualTo(403);
        assertThat(e.getStatus().getMessage()).isEqualTo("pods \"unconfined\" is forbidden: violates PodSecurity"
                + " \"restricted:latest\": forbidden AppArmor profile"
                + " (container.apparmor.security.beta.kubernetes.io/builder=\"unconfined\")");
    }

    @Test
    void restrictedNamesEveryControlARootPodFails() {
        Pod root = new PodBuilder().withNewMetadata().withNamespace("strict").withName("root").endMetadata()
                .withNewSpec().addNewContainer().withName("builder").withImage("nixpool/builder:0.1.0")
                .withNewSecurityContext().withPrivileged(true).endSecurityContext().endContainer()
                .addNewVolume().withName("host").withNewHostPath().withPath("/nix").endHostPath().endVolume()
                .endSpec().build();
        assertThat(refused(root).getStatus().getMessage()).isEqualTo("pods \"root\" is forbidden: violates"
                + " PodSecurity \"restricted:latest\": privileged (container \"builder\" must not set"
                + " securityContext.privileged=true), hostPath volumes (volume \"host\"), restricted volume types"
                + " (volume \"host\" must use an allowed volume type), allowPrivilegeEscalation != false (container"
                + " \"builder\" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities"
                + " (container \"builder\" must set securityContext.capabilities.drop=[\"ALL\"]), runAsNonRoot !="
                + " true (pod or container \"builder\" must set securityContext.runAsNonRoot=true), seccompProfile"
                + " (pod or container \"builder\" must set securityContext.seccompProfile.type to \"RuntimeDefault\""
                + " or \"Localhost\")");
    }

    @Test
    void baselineLetsARootPodRunButNotAPrivilegedOne() {
        Pod root = new PodBuilder().withNewMetadata().withNamespace("base").withName("root").endMetadata()
                .withNewSpec().addNewContainer().withName("builder").withImage("nixpool/builder:0.1.0").endContainer()
                .endSpec().build();
        assertThat(API.client().resource(root).create()).isNotNull();
        Pod privileged = new PodBuilder(root).editMetadata().withName("privileged").endMetadata().editSpec()
                .editFirstContainer().withNewSecurityContext().withPrivileged(true).endSecurityContext()
                .endContainer().withHostNetwork(true).endSpec().build();
        assertThatThrownBy(() -> API.client().resource(privileged).create())
                .isInstanceOf(KubernetesClientException.class)
                .hasMessageContaining("pods \"privileged\" is forbidden: violates PodSecurity \"baseline:v1.32\":"
                        + " host namespaces (hostNetwork=true), privileged (container \"builder\" must not set"
                        + " securityContext.privileged=true)");
    }
}

package dev.nixpool.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;

import dev.nixpool.MockApiServer;
import dev.nixpool.lifecycle.CreateRejectedException;

/** How the API server's answers to a create reach the lifecycle: 409 is "exists", a refusal carries its message. */
class KubernetesBuilderResourcesTest {

    private static final String PODS = "/api/v1/namespaces/ns/pods";

    @RegisterExtension
    final MockApiServer api = new MockApiServer(true);
    private final KubernetesMockServer server = api.server();
    private final KubernetesBuilderResources resources = new KubernetesBuilderResources(api.client());

    private static Pod pod() {
        return new PodBuilder().withNewMetadata().withNamespace("ns").withName("hello-builder-1").endMetadata().build();
    }

    /** Every create is answered so. */
    private void answer(int code, String message) {
        server.expect().post().withPath(PODS)
                .andReturn(code, new StatusBuilder().withCode(code).withMessage(message).withStatus("Failure").build())
                .always();
    }

    @Test
    void aCreatedPodIsNew() {
        server.expect().post().withPath(PODS).andReturn(201, pod()).once();
        assertThat(resources.create(pod())).isTrue();
    }

    @Test
    void aConflictMeansItExistsAlready() {
        answer(409, "pods \"hello-builder-1\" already exists");
        assertThat(resources.create(pod())).isFalse();
    }

    @Test
    void aRefusalCarriesTheApiServersMessage() {
        answer(403, "pods \"hello-builder-1\" is forbidden: violates PodSecurity \"restricted:latest\"");
        assertThatThrownBy(() -> resources.create(pod()))
                .isInstanceOf(CreateRejectedException.class)
                .hasMessage("the API server refused to create Pod hello-builder-1 (HTTP 403): pods \"hello-builder-1\""
                        + " is forbidden: violates PodSecurity \"restricted:latest\"");
    }

    @Test
    void serverErrorsAreLeftToTheReconcilesRetries() {
        answer(500, "etcdserver: request timed out");
        assertThatThrownBy(() -> resources.create(pod())).isExactlyInstanceOf(KubernetesClientException.class);
    }

    @Test
    void throttlingIsLeftToTheReconcilesRetries() {
        answer(429, "too many requests");
        assertThatThrownBy(() -> resources.create(pod())).isExactlyInstanceOf(KubernetesClientException.class);
    }
}

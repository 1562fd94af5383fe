package dev.nixpool.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;

import dev.nixpool.MockApiServer;
import dev.nixpool.Names;
import dev.nixpool.TestConfig;
import dev.nixpool.TestResources;
import dev.nixpool.api.v1alpha1.BuildMachine;
import dev.nixpool.lifecycle.BuilderProvisioner;
import dev.nixpool.lifecycle.CreateRejectedException;

/**
 * The API server refuses a builder pod (quota, a missing service account, Pod Security admission) after its key Secret
 * was created: the Secret goes too, on the API server, not only in the operator's view.
 */
class RefusedBuilderPodTest {

    private static final String POD = "pool-0-abcde";

    @RegisterExtension
    final MockApiServer api = new MockApiServer();
    private final KubernetesClient client = api.client();

    @Test
    void aPodForbiddenByPodSecurityLeavesNoKeySecretBehind() {
        // the Secret is stored, the pod refused
        api.server().expect().post().withPath("/api/v1/namespaces/ns/pods")
                .andReturn(403, new StatusBuilder().withCode(403).withStatus("Failure").withReason("Forbidden")
                        .withMessage("pods \"" + POD + "\" is forbidden: violates PodSecurity \"restricted:latest\"")
                        .build())
                .always();
        BuildMachine pool = TestResources.machine("ns", "pool", 2, List.of("x86_64-linux"), List.of(), List.of());
        BuilderProvisioner provisioner = new BuilderProvisioner(new KubernetesBuilderResources(client),
                TestConfig.nixpool(Map.of()));

        assertThatThrownBy(() -> provisioner.create(pool, POD, 0, Map.of()))
                .isInstanceOf(CreateRejectedException.class).hasMessageContaining("violates PodSecurity");

        assertThat(client.secrets().inNamespace("ns").withName(Names.keySecretName(POD)).get()).isNull();
        assertThat(client.secrets().inNamespace("ns").list().getItems()).isEmpty();
    }
}

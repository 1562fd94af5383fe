package dev.nixpool.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.PersistentVolumeClaimSpecBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClientException;

import dev.nixpool.Names;
import dev.nixpool.TestConfig;
import dev.nixpool.TestResources;
import dev.nixpool.api.v1alpha1.BuildMachine;
import dev.nixpool.api.v1alpha1.BuilderStore;

/**
 * A builder's key Secret is created before its pod. When the pod (or its store claim) is then not created, the Secret
 * must not outlive it unless the pod may still come: a refusal deletes it, a failure the reconcile retries keeps it for
 * the same pod.
 */
class BuilderProvisionerFailuresTest {

    private static final String NS = "ns";
    private static final String POD = "pool-0-abcde";
    private static final String SECRET = Names.keySecretName(POD);

    private final InMemoryBuilderResources resources = new InMemoryBuilderResources();
    private final BuilderProvisioner provisioner = new BuilderProvisioner(resources, TestConfig.nixpool(Map.of()));
    private final BuildMachine pool = TestResources.machine(NS, "pool", 2, List.of("x86_64-linux"), List.of(),
            List.of());

    @Test
    void aRefusedPodLeavesNoKeySecret() {
        resources.refuseCreate("Pod", 403, "pods \"" + POD + "\" is forbidden: exceeded quota");

        assertThatThrownBy(() -> provisioner.create(pool, POD, 0, Map.of()))
                .isInstanceOf(CreateRejectedException.class);

        assertThat(resources.created()).as("it was made first").containsExactly("Secret/" + SECRET);
        assertThat(resources.secret(NS, SECRET)).isEmpty();
    }

    @Test
    void aPodRefusedOnARetryTakesTheSecretAnEarlierTryMade() {
        resources.refuseCreate("Pod", 500, "etcdserver: request timed out");
        assertThatThrownBy(() -> provisioner.create(pool, POD, 0, Map.of()))
                .isExactlyInstanceOf(KubernetesClientException.class);
        resources.refuseCreate("Pod", 422, "Pod \"" + POD + "\" is invalid");

        assertThatThrownBy(() -> provisioner.create(pool, POD, 0, Map.of()))
                .isInstanceOf(CreateRejectedException.class);

        assertThat(resources.secret(NS, SECRET)).isEmpty();
    }

    @Test
    void aRefusedStoreClaimLeavesNoKeySecret() {
        BuilderStore store = new BuilderStore();
        store.setVolumeClaimTemplate(new PersistentVolumeClaimSpecBuilder().withAccessModes("ReadWriteOnce")
                .withNewResources().addToRequests("storage", new Quantity("50Gi")).endResources().build());
        pool.getSpec().setStore(store);
        resources.refuseCreate("PersistentVolumeClaim", 403, "exceeded quota: requests.storage");

        assertThatThrownBy(() -> provisioner.create(pool, POD, 0, Map.of()))
                .isInstanceOf(CreateRejectedException.class);

        assertThat(resources.secret(NS, SECRET)).isEmpty();
        assertThat(resources.pod(NS, POD)).isEmpty();
    }

    @Test
    void aFailureTheReconcileRetriesKeepsTheSecretForTheSamePod() {
        resources.refuseCreate("Pod", 503, "the server is currently unable to handle the request");
        assertThatThrownBy(() -> provisioner.create(pool, POD, 0, Map.of()))
                .isExactlyInstanceOf(KubernetesClientException.class);
        String keys = resources.secret(NS, SECRET).orElseThrow().getData().get(Names.KEY_CLIENT_PRIVATE);
        resources.acceptCreate("Pod");

        assertThat(provisioner.create(pool, POD, 0, Map.of())).as("the retry").isTrue();

        assertThat(resources.pod(NS, POD)).isPresent();
        assertThat(resources.secret(NS, SECRET).orElseThrow().getData().get(Names.KEY_CLIENT_PRIVATE))
                .as("the keys the first try made").isEqualTo(keys);
    }

    @Test
    void aPodThatExistsAlreadyKeepsItsSecret() {
        provisioner.create(pool, POD, 0, Map.of());

        assertThat(provisioner.create(pool, POD, 0, Map.of())).isFalse();

        assertThat(resources.secret(NS, SECRET)).isPresent();
        assertThat(resources.pod(NS, POD)).isPresent();
    }
}

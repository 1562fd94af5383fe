package dev.nixpool.local.apiserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;

/** Objects whose owners are gone are deleted (background propagation), as the controller manager's collector does. */
class GarbageCollectorTest {

    private static final Duration COLLECTED = Duration.ofSeconds(10);

    @RegisterExtension
    static final EmbeddedApiServerExtension API = new EmbeddedApiServerExtension();

    private static GenericKubernetesResource pool(String name) {
        return API.client().genericKubernetesResources(KubectlFixture.BUILDMACHINES).resource(
                new GenericKubernetesResourceBuilder().withApiVersion("nixpool.dev/v1alpha1").withKind("BuildMachine")
                        .withNewMetadata().withName(name).endMetadata()
                        .withAdditionalProperties(Map.of("spec", Map.of("systems", List.of("x86_64-linux")))).build())
                .create();
    }

    private static OwnerReference ownedBy(HasMetadata owner) {
        return new OwnerReferenceBuilder().withApiVersion(owner.getApiVersion()).withKind(owner.getKind())
                .withName(owner.getMetadata().getName()).withUid(owner.getMetadata().getUid()).withController(true)
                .build();
    }

    @Test
    void deletingAPoolDeletesItsPodsSecretsAndClaimsAndWhatThoseOwn() {
        GenericKubernetesResource pool = pool("gc-pool");
        var pod = API.client().pods().resource(new PodBuilder().withNewMetadata().withName("gc-pool-builder")
                .withOwnerReferences(ownedBy(pool)).endMetadata().withNewSpec().addNewContainer().withName("b")
                .withImage("nixpool/builder").endContainer().endSpec().build()).create();
        API.client().secrets().resource(new SecretBuilder().withNewMetadata().withName("gc-pool-key")
                .withOwnerReferences(ownedBy(pool)).endMetadata().build()).create();
        API.client().persistentVolumeClaims().resource(new PersistentVolumeClaimBuilder().withNewMetadata()
                .withName("gc-pool-store-0").withOwnerReferences(ownedBy(pool)).endMetadata().build()).create();
        API.client().configMaps().resource(new ConfigMapBuilder().withNewMetadata().withName("gc-pod-owned")
                .withOwnerReferences(ownedBy(pod)).endMetadata().build()).create();
        API.client().configMaps()
                .resource(new ConfigMapBuilder().withNewMetadata().withName("gc-unrelated").endMetadata()
                        .build())
                .create();

        API.client().genericKubernetesResources(KubectlFixture.BUILDMACHINES).withName("gc-pool").delete();

        await().atMost(COLLECTED).untilAsserted(() -> {
            assertThat(API.client().pods().withName("gc-pool-builder").get()).isNull();
            assertThat(API.client().secrets().withName("gc-pool-key").get()).isNull();
            assertThat(API.client().persistentVolumeClaims().withName("gc-pool-store-0").get()).isNull();
            assertThat(API.client().configMaps().withName("gc-pod-owned").get()).isNull();
        });
        assertThat(API.client().configMaps().withName("gc-unrelated").get()).isNotNull();
    }

    @Test
    void anObjectWithAnotherOwnerLeftOnlyLosesTheDanglingReference() {
        GenericKubernetesResource first = pool("gc-first");
        GenericKubernetesResource second = pool("gc-second");
        API.client().secrets().resource(new SecretBuilder().withNewMetadata().withName("gc-shared")
                .withOwnerReferences(ownedBy(first), ownedBy(second)).endMetadata().build()).create();

        API.client().genericKubernetesResources(KubectlFixture.BUILDMACHINES).withName("gc-first").delete();

        await().atMost(COLLECTED).untilAsserted(() -> assertThat(
                API.client().secrets().withName("gc-shared").get().getMetadata().getOwnerReferences())
                .extracting(OwnerReference::getName).containsExactly("gc-second"));
    }

    @Test
    void anObjectCreatedForAnOwnerThatIsGoneOrReplacedIsCollected() {
        GenericKubernetesResource pool = pool("gc-replaced");
        OwnerReference stale = ownedBy(pool);
        API.client().genericKubernetesResources(KubectlFixture.BUILDMACHINES).withName("gc-replaced").delete();
        await().atMost(COLLECTED).until(
                () -> API.client().genericKubernetesResources(KubectlFixture.BUILDMACHINES).withName("gc-replaced")
                        .get() == null);
        pool("gc-replaced");
        API.client().secrets().resource(new SecretBuilder().withNewMetadata().withName("gc-late")
                .withOwnerReferences(stale).endMetadata().build()).create();

        await().atMost(COLLECTED)
                .untilAsserted(() -> assertThat(API.client().secrets().withName("gc-late").get()).isNull());
    }

    @Test
    void finalizersHoldACollectedObjectUntilTheyAreRemoved() {
        GenericKubernetesResource pool = pool("gc-final");
        API.client().pods().resource(new PodBuilder().withNewMetadata().withName("gc-final-builder")
                .withOwnerReferences(ownedBy(pool)).withFinalizers("nixpool.dev/test").endMetadata().withNewSpec()
                .addNewContainer().withName("b").withImage("nixpool/builder").endContainer().endSpec().build())
                .create();

        API.client().genericKubernetesResources(KubectlFixture.BUILDMACHINES).withName("gc-final").delete();

        await().atMost(COLLECTED).untilAsserted(() -> assertThat(
                API.client().pods().withName("gc-final-builder").get().getMetadata().getDeletionTimestamp())
                .isNotNull());
        API.client().pods().withName("gc-final-builder").edit(p -> new PodBuilder(p).editMetadata().withFinalizers()
                .endMetadata().build());
        await().atMost(COLLECTED)
                .untilAsserted(() -> assertThat(API.client().pods().withName("gc-final-builder").get()).isNull());
    }
}

package dev.nixpool.builder;

import static dev.nixpool.TestResources.machine;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimSpecBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;

import dev.nixpool.api.v1alpha1.BuildMachine;
import dev.nixpool.api.v1alpha1.BuilderStore;
import dev.nixpool.api.v1alpha1.CopyTo;
import dev.nixpool.api.v1alpha1.FeaturePlacement;
import dev.nixpool.api.v1alpha1.SecretKeyRef;
import dev.nixpool.api.v1alpha1.SecretRef;
import dev.nixpool.config.BuilderDefaults;

class BuilderPodRendererTest {

    private static final Toleration KVM_TAINT = new TolerationBuilder().withKey("nixpool.dev/kvm")
            .withOperator("Exists").withEffect("NoSchedule").build();

    static BuilderDefaults defaults(Optional<Long> runAsUser) {
        FeaturePlacement kvm = placement(Map.of("nixpool.dev/kvm", "true"), List.of(KVM_TAINT),
                Map.of("devices.kubevirt.io/kvm", "1"));
        FeaturePlacement big = placement(Map.of("nixpool.dev/big-parallel", "true"), List.of(), Map.of("cpu", "4"));
        return new BuilderDefaults("nixpool/builder:0.1.0", "IfNotPresent", 2222,
                new ResourceRequirementsBuilder().addToRequests("cpu", new Quantity("1"))
                        .addToRequests("memory", new Quantity("2Gi"))
                        .addToLimits("memory", new Quantity("8Gi"))
                        .build(),
                runAsUser, Map.of("kvm", kvm, "big-parallel", big));
    }

    static FeaturePlacement placement(Map<String, String> selector, List<Toleration> tolerations,
            Map<String, String> resources) {
        FeaturePlacement placement = new FeaturePlacement();
        placement.setNodeSelector(new java.util.LinkedHashMap<>(selector));
        placement.setTolerations(new java.util.ArrayList<>(tolerations));
        placement.setResources(resources.entrySet().stream()
                .collect(Collectors.toMap(Map.Entry::getKey, e -> new Quantity(e.getValue()))));
        return placement;
    }

    /** A pool offering {@code features} (supported), with its uid and default substituters. */
    static BuildMachine pool(List<String> features) {
        BuildMachine pool = machine("team", "kvm-pool", 2, List.of("x86_64-linux", "i686-linux"), features,
                List.of());
        pool.getMetadata().setUid("pool-uid");
        pool.getSpec().setSubstituters(List.of("https://cache.nixos.org"));
        pool.getSpec().setTrustedPublicKeys(List.of("cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY="));
        return pool;
    }

    static BuildMachine kvmPool() {
        BuildMachine pool = pool(List.of("kvm", "big-parallel"));
        pool.getSpec().setMandatoryFeatures(List.of("nixos-test"));
        return pool;
    }

    private static Pod render(BuildMachine pool, BuilderDefaults defaults) {
        return BuilderPodRenderer.render(pool, "kvm-pool-1-abcde", 1, Map.of(), defaults);
    }

    /**
     * A pool's copyTo names the Secrets with its signing key and its cache's credentials: the operator reads them, and
     * no builder pod may reference them (builders run arbitrary derivations). Nor does copyTo change the builders.
     */
    @Test
    void noBuilderPodReferencesTheSigningKeyOrCredentialsSecrets() {
        BuildMachine pool = kvmPool();
        String before = BuilderPodRenderer.templateHash(pool, defaults(Optional.empty()));
        CopyTo copyTo = new CopyTo("s3://team-cache?region=eu-west-1",
                new SecretKeyRef("team-signing-key", "secret"));
        copyTo.setCredentialsSecretRef(new SecretRef("team-s3-credentials"));
        pool.getSpec().setCopyTo(copyTo);
        String pod = Serialization.asJson(render(pool, defaults(Optional.of(1000L))));
        assertThat(pod).doesNotContain("team-signing-key").doesNotContain("team-s3-credentials")
                .doesNotContain("team-cache");
        assertThat(BuilderPodRenderer.templateHash(pool, defaults(Optional.empty()))).isEqualTo(before);
    }

    @Test
    void followsTheBuilderContract() {
        BuildMachine pool = pool(List.of());
        pool.getSpec().setSystems(List.of("x86_64-linux", "i686-linux"));
        pool.getSpec().setMandatoryFeatures(List.of("nixos-test"));
        pool.getSpec().setSupportedFeatures(List.of("benchmark"));
        Pod pod = render(pool, defaults(Optional.empty()));

        assertThat(pod.getMetadata().getName()).isEqualTo("kvm-pool-1-abcde");
        assertThat(pod.getMetadata().getNamespace()).isEqualTo("team");
        assertThat(pod.getMetadata().getLabels()).containsEntry("nixpool.dev/machine", "kvm-pool")
                .containsEntry("nixpool.dev/slot", "1").doesNotContainKey("nixpool.dev/build");
        assertThat(pod.getMetadata().getAnnotations()).containsKey("nixpool.dev/template-hash");
        assertThat(pod.getMetadata().getOwnerReferences()).singleElement().satisfies(owner -> {
            assertThat(owner.getKind()).isEqualTo("BuildMachine");
            assertThat(owner.getApiVersion()).isEqualTo("nixpool.dev/v1alpha1");
            assertThat(owner.getUid()).isEqualTo("pool-uid");
            assertThat(owner.getController()).isTrue();
            assertThat(owner.getBlockOwnerDeletion()).isTrue();
        });
        assertThat(pod.getSpec().getAutomountServiceAccountToken()).isFalse();
        assertThat(pod.getSpec().getEnableServiceLinks()).isFalse();
        assertThat(pod.getSpec().getRestartPolicy()).isEqualTo("Never");
        assertThat(pod.getSpec().getNodeSelector()).as("no feature with a placement").isEmpty();

        Container container = pod.getSpec().getContainers().get(0);
        assertThat(container.getImage()).isEqualTo("nixpool/builder:0.1.0");
        assertThat(container.getImagePullPolicy()).isEqualTo("IfNotPresent");
        assertThat(container.getPorts()).singleElement().satisfies(port -> {
            assertThat(port.getName()).isEqualTo("ssh");
            assertThat(port.getContainerPort()).isEqualTo(2222);
        });
        assertThat(container.getReadinessProbe().getTcpSocket().getPort().getStrVal()).isEqualTo("ssh");
        assertThat(container.getVolumeMounts()).singleElement().satisfies(mount -> {
            assertThat(mount.getMountPath()).isEqualTo("/etc/nixpool/ssh");
            assertThat(mount.getReadOnly()).isTrue();
        });
        assertThat(pod.getSpec().getVolumes()).singleElement().satisfies(volume -> {
            assertThat(volume.getSecret().getSecretName()).isEqualTo("kvm-pool-1-abcde-ssh");
            assertThat(volume.getSecret().getDefaultMode()).isEqualTo(0400);
            assertThat(volume.getSecret().getItems())
                    .extracting(i -> i.getKey() + "=" + i.getPath() + ":" + i.getMode())
                    .containsExactly("ssh_host_ed25519_key=ssh_host_ed25519_key:256",
                            "ssh_host_ed25519_key.pub=ssh_host_ed25519_key.pub:256",
                            "authorized_keys=authorized_keys:256");
        });
        assertThat(env(container)).containsExactly(
                Map.entry("NIXPOOL_SSH_DIR", "/etc/nixpool/ssh"),
                Map.entry("NIXPOOL_SSH_PORT", "2222"),
                Map.entry("NIXPOOL_LISTEN_ADDRESS", "0.0.0.0"),
                Map.entry("NIXPOOL_SYSTEMS", "x86_64-linux i686-linux"),
                Map.entry("NIXPOOL_SYSTEM_FEATURES", "benchmark nixos-test"),
                Map.entry("NIXPOOL_MAX_JOBS", "1"),
                Map.entry("NIXPOOL_SUBSTITUTERS", "https://cache.nixos.org"),
                Map.entry("NIXPOOL_TRUSTED_PUBLIC_KEYS",
                        "cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY="),
                Map.entry("NIXPOOL_STATE_DIR", "/run/nixpool"),
                // the store is the pod's own: not synced
                Map.entry("NIXPOOL_FSYNC_METADATA", "false"));
        assertThat(container.getResources().getRequests()).containsEntry("cpu", new Quantity("1"))
                .containsEntry("memory", new Quantity("2Gi"));
        assertThat(pod.getSpec().getSecurityContext().getRunAsNonRoot()).isNull();
        assertThat(pod.getSpec().getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
        assertThat(container.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
    }

    @Test
    void thePoolsFeaturesAddTheirPlacementToTheTemplate() {
        BuildMachine pool = kvmPool();
        pool.getSpec().getTemplate().setNodeSelector(Map.of("pool", "kvm"));
        pool.getSpec().getTemplate().setTolerations(List.of(KVM_TAINT));
        Pod pod = render(pool, defaults(Optional.empty()));

        assertThat(pod.getSpec().getNodeSelector()).containsExactlyInAnyOrderEntriesOf(Map.of("pool", "kvm",
                "nixpool.dev/kvm", "true", "nixpool.dev/big-parallel", "true"));
        assertThat(pod.getSpec().getTolerations()).as("no duplicates").containsExactly(KVM_TAINT);
        Container container = pod.getSpec().getContainers().get(0);
        assertThat(container.getResources().getRequests()).containsEntry("cpu", new Quantity("1").add(new Quantity(
                "4"))).containsEntry("devices.kubevirt.io/kvm", new Quantity("1"));
        assertThat(container.getResources().getLimits())
                .as("extended resources get equal limits, cpu stays unlimited")
                .containsEntry("devices.kubevirt.io/kvm", new Quantity("1"))
                .containsEntry("memory", new Quantity("8Gi"))
                .doesNotContainKey("cpu");
    }

    @Test
    void aPoolsFeaturePlacementReplacesTheDefaultOfThatFeature() {
        BuildMachine pool = kvmPool();
        pool.getSpec().setFeaturePlacement(Map.of("kvm",
                placement(Map.of("example.com/virt", "yes"), List.of(), Map.of())));
        pool.getSpec().setSupportedFeatures(List.of("kvm"));
        Pod pod = render(pool, defaults(Optional.empty()));

        assertThat(pod.getSpec().getNodeSelector()).containsExactly(Map.entry("example.com/virt", "yes"));
        assertThat(pod.getSpec().getTolerations()).isEmpty();
        assertThat(pod.getSpec().getContainers().get(0).getResources().getRequests())
                .doesNotContainKey("devices.kubevirt.io/kvm");
    }

    @Test
    void templateSettingsWinExceptTheContractsOwn() {
        BuildMachine pool = pool(List.of());
        pool.getSpec().getTemplate().setImage("registry.example/builder:2");
        pool.getSpec().getTemplate().setImagePullPolicy("Always");
        pool.getSpec().getTemplate().setLabels(Map.of("team", "infra", "nixpool.dev/build", "spoofed"));
        pool.getSpec().getTemplate().setEnv(List.of(new EnvVar("EXTRA", "1", null),
                new EnvVar("NIXPOOL_SSH_PORT", "22", null)));
        pool.getSpec().getTemplate().setResources(new ResourceRequirementsBuilder()
                .addToRequests("memory", new Quantity("16Gi")).build());
        Pod pod = BuilderPodRenderer.render(pool, "kvm-pool-3-abcde", 3, Map.of("nixpool.dev/build", "hello"),
                defaults(Optional.empty()));

        Container container = pod.getSpec().getContainers().get(0);
        assertThat(container.getImage()).isEqualTo("registry.example/builder:2");
        assertThat(container.getImagePullPolicy()).isEqualTo("Always");
        assertThat(pod.getMetadata().getLabels()).containsEntry("team", "infra")
                .as("a build's claim labels win over the template's").containsEntry("nixpool.dev/build", "hello")
                .containsEntry("nixpool.dev/slot", "3");
        assertThat(env(container)).containsEntry("EXTRA", "1").containsEntry("NIXPOOL_SSH_PORT", "2222");
        assertThat(container.getEnv()).filteredOn(e -> e.getName().equals("NIXPOOL_SSH_PORT")).hasSize(1);
        assertThat(container.getResources().getRequests()).containsExactly(Map.entry("memory", new Quantity("16Gi")));
    }

    @Test
    void aConfiguredUidRunsTheBuilderNonRootWithoutCapabilities() {
        Pod pod = render(kvmPool(), defaults(Optional.of(1000L)));
        assertThat(pod.getSpec().getSecurityContext().getRunAsUser()).isEqualTo(1000L);
        assertThat(pod.getSpec().getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(pod.getSpec().getSecurityContext().getFsGroup()).isEqualTo(1000L);
        assertThat(pod.getSpec().getVolumes().get(0).getSecret().getItems()).extracting(i -> i.getMode())
                .as("group-readable through the fsGroup").containsOnly(0440);
        assertThat(pod.getSpec().getContainers().get(0).getSecurityContext().getCapabilities().getDrop())
                .containsExactly("ALL");
    }

    @Test
    void aStoreClaimTemplateMountsTheSlotsClaimAtNixAndStoreBoundsBecomeNixSettings() {
        BuildMachine pool = pool(List.of());
        BuilderStore store = new BuilderStore();
        store.setMinFree(new Quantity("1Gi"));
        store.setMaxFree(new Quantity("2G"));
        store.setVolumeClaimTemplate(new PersistentVolumeClaimSpecBuilder().withAccessModes("ReadWriteOnce")
                .withNewResources().addToRequests("storage", new Quantity("50Gi")).endResources().build());
        pool.getSpec().setStore(store);
        Pod pod = render(pool, defaults(Optional.empty()));

        assertThat(pod.getSpec().getVolumes()).filteredOn(v -> v.getPersistentVolumeClaim() != null).singleElement()
                .satisfies(v -> assertThat(v.getPersistentVolumeClaim().getClaimName()).isEqualTo("kvm-pool-store-1"));
        assertThat(pod.getSpec().getContainers().get(0).getVolumeMounts()).extracting(m -> m.getMountPath())
                .contains("/nix");
        assertThat(env(pod.getSpec().getContainers().get(0))).containsEntry("NIXPOOL_MIN_FREE", "1073741824")
                .containsEntry("NIXPOOL_MAX_FREE", "2000000000")
                .as("a claimed store outlives the pod: its database is synced")
                .containsEntry("NIXPOOL_FSYNC_METADATA", "true");
        assertThat(StoreClaimRenderer.render(pool, 1).getMetadata().getName()).isEqualTo("kvm-pool-store-1");
    }

    @Test
    void theTemplateHashChangesWithTheTemplateOnly() {
        BuildMachine pool = kvmPool();
        String hash = BuilderPodRenderer.templateHash(pool, defaults(Optional.empty()));
        pool.getSpec().setMinIdle(3);
        pool.getSpec().setMaxBuilders(9);
        assertThat(BuilderPodRenderer.templateHash(pool, defaults(Optional.empty()))).as("scaling is not a template")
                .isEqualTo(hash);
        pool.getSpec().getTemplate().setImage("registry.example/builder:2");
        assertThat(BuilderPodRenderer.templateHash(pool, defaults(Optional.empty()))).isNotEqualTo(hash);
    }

    @Test
    void extendedResourcesAreThoseOutsideKubernetesDomains() {
        assertThat(BuilderPodRenderer.isExtendedResource("devices.kubevirt.io/kvm")).isTrue();
        assertThat(BuilderPodRenderer.isExtendedResource("nvidia.com/gpu")).isTrue();
        assertThat(BuilderPodRenderer.isExtendedResource("cpu")).isFalse();
        assertThat(BuilderPodRenderer.isExtendedResource("kubernetes.io/batteries")).isFalse();
        assertThat(BuilderPodRenderer.isExtendedResource("hugepages.kubernetes.io/x")).isFalse();
    }

    private static Map<String, String> env(Container container) {
        return container.getEnv().stream().collect(Collectors.toMap(EnvVar::getName, EnvVar::getValue, (a, b) -> a,
                java.util.LinkedHashMap::new));
    }
}

package dev.nixpool.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;

import dev.nixpool.runtime.BuilderPodSpec.DirectoryVolume;

class BuilderPodSpecTest {

    private static Pod contractPod() {
        Pod pod = BuilderPodFixture.builderPod("builds", "b1", "b1-ssh", BuilderPodFixture.offlineBuilderEnv());
        pod.getMetadata().setUid("0f0e0d0c-aaaa-bbbb-cccc-000000000001");
        return pod;
    }

    @Test
    void takesTheLiteralEnvTheSshPortAndTheSelectedSecretKeys() throws Exception {
        BuilderPodSpec spec = BuilderPodSpec.from(contractPod());
        assertThat(spec.containerName()).isEqualTo("builder");
        assertThat(spec.sshPort()).isEqualTo(2222);
        assertThat(spec.env()).containsEntry("NIXPOOL_SUBSTITUTERS", "").containsEntry("NIXPOOL_SSH_PORT", "2222");
        assertThat(spec.secretVolume().secretName()).isEqualTo("b1-ssh");
        assertThat(spec.secretVolume().items()).containsOnlyKeys("ssh_host_ed25519_key", "ssh_host_ed25519_key.pub",
                "authorized_keys");
    }

    @Test
    void rejectsValueFromWithTheVariableName() {
        Pod pod = new PodBuilder(contractPod()).editSpec().editFirstContainer().addNewEnv().withName("TOKEN")
                .withNewValueFrom().withNewFieldRef().withFieldPath("metadata.name").endFieldRef().endValueFrom()
                .endEnv().endContainer().endSpec().build();
        assertThatThrownBy(() -> BuilderPodSpec.from(pod)).isInstanceOf(PodRejectedException.class)
                .hasMessage("pod builds/b1, container builder: env TOKEN uses valueFrom, which the builder runtime"
                        + " does not support; expected a literal value")
                .extracting(e -> ((PodRejectedException) e).reason()).isEqualTo("CreateContainerConfigError");
    }

    @Test
    void rejectsEnvFrom() {
        Pod pod = new PodBuilder(contractPod()).editSpec().editFirstContainer().addNewEnvFrom().withNewSecretRef()
                .withName("all").endSecretRef().endEnvFrom().endContainer().endSpec().build();
        assertThatThrownBy(() -> BuilderPodSpec.from(pod)).hasMessage("pod builds/b1, container builder: envFrom is not"
                + " supported by the builder runtime, only literal env values");
    }

    @Test
    void laterDuplicateEnvWins() throws Exception {
        Pod pod = new PodBuilder(contractPod()).editSpec().editFirstContainer()
                .addToEnv(new EnvVar("NIXPOOL_MAX_JOBS", "4", null)).endContainer().endSpec().build();
        assertThat(BuilderPodSpec.from(pod).env()).containsEntry("NIXPOOL_MAX_JOBS", "4");
    }

    @Test
    void requiresTheSshPort() {
        Pod pod = new PodBuilder(contractPod()).editSpec().editFirstContainer().withPorts(List.of()).endContainer()
                .endSpec().build();
        assertThatThrownBy(() -> BuilderPodSpec.from(pod)).hasMessage("pod builds/b1, container builder: expected a"
                + " container port named ssh (docs/builder-contract.md), found none");
    }

    @Test
    void requiresExactlyOneContainerAndRestartPolicyNever() {
        Pod two = new PodBuilder(contractPod()).editSpec().addNewContainer().withName("sidecar").endContainer()
                .endSpec().build();
        assertThatThrownBy(() -> BuilderPodSpec.from(two))
                .hasMessage("pod builds/b1: expected exactly one (builder) container, got 2");
        Pod restarting = new PodBuilder(contractPod()).editSpec().withRestartPolicy("Always").endSpec().build();
        assertThatThrownBy(() -> BuilderPodSpec.from(restarting)).hasMessage("pod builds/b1: expected restartPolicy"
                + " Never (the builder runtime does not restart containers), got Always");
    }

    @Test
    void requiresOneMountedSecretVolume() {
        Pod none = new PodBuilder(contractPod()).editSpec().editFirstContainer().withVolumeMounts(List.of())
                .endContainer().endSpec().build();
        assertThatThrownBy(() -> BuilderPodSpec.from(none)).hasMessage("pod builds/b1, container builder: expected"
                + " exactly one mounted Secret volume with the SSH keys, got 0");
        Pod hostPath = new PodBuilder(contractPod()).editSpec().editFirstContainer().addNewVolumeMount()
                .withName("host").withMountPath("/host").endVolumeMount().endContainer().addNewVolume()
                .withName("host").withNewHostPath().withPath("/").endHostPath().endVolume().endSpec().build();
        assertThatThrownBy(() -> BuilderPodSpec.from(hostPath)).hasMessage("pod builds/b1: volume host is neither a"
                + " Secret, a persistentVolumeClaim nor an emptyDir volume; the builder runtime provides only those");
        Pod dangling = new PodBuilder(contractPod()).editSpec().editFirstContainer().addNewVolumeMount()
                .withName("ghost").withMountPath("/ghost").endVolumeMount().endContainer().endSpec().build();
        assertThatThrownBy(() -> BuilderPodSpec.from(dangling))
                .hasMessage("pod builds/b1: volume mount ghost names no volume of the pod");
    }

    @Test
    void takesClaimAndEmptyDirVolumesWithTheirMounts() throws Exception {
        Pod pod = new PodBuilder(contractPod()).editSpec().editFirstContainer().addNewVolumeMount().withName("store")
                .withMountPath("/nix/").endVolumeMount().addNewVolumeMount().withName("tmp").withMountPath("/tmp")
                .withReadOnly(true).endVolumeMount().addNewVolumeMount().withName("ram").withMountPath("/dev/shm")
                .endVolumeMount().endContainer()
                .addNewVolume().withName("store").withNewPersistentVolumeClaim().withClaimName("store-0")
                .endPersistentVolumeClaim().endVolume()
                .addNewVolume().withName("tmp").withNewEmptyDir().withSizeLimit(new Quantity("2Gi")).endEmptyDir()
                .endVolume()
                .addNewVolume().withName("ram").withNewEmptyDir().withMedium("Memory")
                .withSizeLimit(new Quantity("64Mi"))
                .endEmptyDir().endVolume().endSpec().build();
        assertThat(BuilderPodSpec.from(pod).directoryVolumes()).containsExactly(
                new DirectoryVolume("store", "/nix", false, "store-0", false, null),
                new DirectoryVolume("tmp", "/tmp", true, null, false, 2L * 1024 * 1024 * 1024),
                new DirectoryVolume("ram", "/dev/shm", false, null, true, 64L * 1024 * 1024));
        assertThat(BuilderPodSpec.from(pod).directoryVolumes().get(0).holdsTheStore()).isTrue();
        assertThat(BuilderPodSpec.from(pod).secretVolume().secretName()).isEqualTo("b1-ssh");
    }

    @Test
    void rejectsSubPathsAndMountsInsideTheStore() {
        Pod subPath = new PodBuilder(contractPod()).editSpec().editFirstContainer().addNewVolumeMount()
                .withName("store").withMountPath("/nix").withSubPath("a").endVolumeMount().endContainer()
                .addNewVolume().withName("store").withNewEmptyDir().endEmptyDir().endVolume().endSpec().build();
        assertThatThrownBy(() -> BuilderPodSpec.from(subPath)).hasMessage("pod builds/b1: volume store is mounted"
                + " with a subPath, which the builder runtime does not support");
        Pod inside = new PodBuilder(contractPod()).editSpec().editFirstContainer().addNewVolumeMount()
                .withName("store").withMountPath("/nix/store").endVolumeMount().endContainer().addNewVolume()
                .withName("store").withNewEmptyDir().endEmptyDir().endVolume().endSpec().build();
        assertThatThrownBy(() -> BuilderPodSpec.from(inside)).hasMessage("pod builds/b1: volume store is mounted at"
                + " /nix/store; the builder runtime mounts directory volumes at /nix (the store) or at an absolute"
                + " path outside it");
    }
}

package dev.nixpool.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;

class ContainerIdentityTest {

    private static PodBuilder pod() {
        Pod pod = BuilderPodFixture.builderPod("builds", "b1", "b1-ssh", List.of());
        pod.getMetadata().setUid("u-1");
        return new PodBuilder(pod);
    }

    @Test
    void withoutASecurityContextTheContainerRunsAsRootUnwrapped() throws Exception {
        ContainerIdentity identity = ContainerIdentity.from(pod().build());
        assertThat(identity).isEqualTo(ContainerIdentity.ROOT);
        assertThat(identity.wrap(List.of("/entrypoint"))).containsExactly("/entrypoint");
    }

    @Test
    void theContainersSettingsWinOverThePodsAndFsGroupJoinsTheGroups() throws Exception {
        Pod pod = pod().editSpec().withNewSecurityContext().withRunAsUser(1000L).withRunAsGroup(1000L)
                .withFsGroup(2000L).withSupplementalGroups(3000L).endSecurityContext().editFirstContainer()
                .withNewSecurityContext().withRunAsUser(10001L).withAllowPrivilegeEscalation(false)
                .withNewCapabilities()
                .withDrop("ALL").endCapabilities().endSecurityContext().endContainer().endSpec().build();
        ContainerIdentity identity = ContainerIdentity.from(pod);
        assertThat(identity.uid()).isEqualTo(10001);
        assertThat(identity.gid()).isEqualTo(1000);
        assertThat(identity.groups()).containsExactly(1000L, 2000L, 3000L);
        assertThat(identity.directoryGroup()).isEqualTo(2000);
        assertThat(identity.wrap(List.of("/entrypoint"))).containsExactly("setpriv", "--reuid", "10001", "--regid",
                "1000", "--groups", "1000,2000,3000", "--no-new-privs", "--inh-caps", "-all", "--bounding-set", "-all",
                "--", "/entrypoint");
    }

    @Test
    void theGroupDefaultsToTheUidAsInTheReferenceImage() throws Exception {
        Pod pod = pod().editSpec().withNewSecurityContext().withRunAsUser(10001L).endSecurityContext().endSpec()
                .build();
        assertThat(ContainerIdentity.from(pod).gid()).isEqualTo(10001);
        assertThat(ContainerIdentity.from(pod).directoryGroup()).isEqualTo(10001);
    }

    @Test
    void runAsNonRootIsCheckedWithKubeletsWords() {
        Pod noUser = pod().editSpec().withNewSecurityContext().withRunAsNonRoot(true).endSecurityContext().endSpec()
                .build();
        assertThatThrownBy(() -> ContainerIdentity.from(noUser)).isInstanceOf(PodRejectedException.class)
                .hasMessage("container has runAsNonRoot and image will run as root (pod: \"b1_builds(u-1)\","
                        + " container: builder)");
        Pod rootUser = pod().editSpec().withNewSecurityContext().withRunAsNonRoot(true).withRunAsUser(0L)
                .endSecurityContext().endSpec().build();
        assertThatThrownBy(() -> ContainerIdentity.from(rootUser))
                .hasMessage(
                        "container's runAsUser breaks non-root policy (pod: \"b1_builds(u-1)\", container: builder)");
    }
}

package dev.nixpool.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;

import dev.nixpool.TestResources;
import dev.nixpool.api.v1alpha1.NixBuild;
import dev.nixpool.api.v1alpha1.NixBuildPhase;
import dev.nixpool.api.v1alpha1.NixBuildStatus;

/** The in-memory API server and its kubeconfig, with the repository's CRDs. */
class InMemoryApiServerTest {

    @Test
    void storesTheCrdsSoTheStatusSubresourceWorksThroughAKubeconfigClient(@TempDir Path dir) throws Exception {
        try (InMemoryApiServer server = InMemoryApiServer.start(0)) {
            assertThat(server.url()).isEqualTo("http://127.0.0.1:" + server.port());
            assertThat(server.installCrds(ScenarioFixture.repoRoot().resolve("crds")))
                    .containsExactly("buildmachines.nixpool.dev", "nixbuilds.nixpool.dev");

            Path kubeconfig = Kubeconfig.write(dir.resolve("sub/kubeconfig"), server.url(), "builds");
            try (KubernetesClient client = new KubernetesClientBuilder()
                    .withConfig(Config.fromKubeconfig(Files.readString(kubeconfig))).build()) {
                assertThat(client.getNamespace()).isEqualTo("builds");
                NixBuild build = TestResources.build("builds", "b", "x86_64-linux", List.of());
                NixBuild created = client.resource(build).create();
                NixBuildStatus status = new NixBuildStatus();
                status.setPhase(NixBuildPhase.Scheduled);
                created.setStatus(status);
                NixBuild withStatus = client.resource(created).updateStatus();
                created.getSpec().setSystem("aarch64-linux");
                assertThatThrownBy(() -> client.resource(created).update()).as("a stale resourceVersion")
                        .hasMessageContaining("409");
                withStatus.getSpec().setSystem("aarch64-linux");
                client.resource(withStatus).update();

                NixBuild stored = client.resources(NixBuild.class).withName("b").get();
                assertThat(stored.getStatus().getPhase()).as("status survives a spec update")
                        .isEqualTo(NixBuildPhase.Scheduled);
                assertThat(stored.getSpec().getSystem()).isEqualTo("aarch64-linux");
                assertThat(stored.getMetadata().getGeneration()).isEqualTo(2L);
            }
        }
    }

    @Test
    void aDirectoryWithoutCrdsIsAnErrorThatNamesIt(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("kustomization.yaml"), "resources: []\n");
        try (InMemoryApiServer server = InMemoryApiServer.start(0)) {
            assertThatThrownBy(() -> server.installCrds(dir)).hasMessage(
                    "no CustomResourceDefinition in " + dir + " (expected the crds/ directory)");
        }
    }

    @Test
    void portsOutsideTheTcpRangeAreRefused() {
        assertThatThrownBy(() -> InMemoryApiServer.start(70000))
                .hasMessage("API server port must be 0 (any free port) or 1-65535, got 70000");
    }

    @Test
    void operatorPropertiesAddToAndOverrideTheLocalDefaults() {
        LocalClusterConfig config = LocalClusterConfig
                .fromRepository(Path.of("/repo"), Path.of("/repo/operator/target"))
                .withOperatorProperty("nixpool.scheduling.pending-requeue", "1s")
                .withOperatorProperty("nixpool.runner.poll-interval", "100ms");
        Map<String, String> effective = config.effectiveOperatorProperties();
        assertThat(effective).containsEntry("nixpool.builder.ssh-user", "root")
                .containsEntry("nixpool.scheduling.pending-requeue", "1s")
                .containsEntry("nixpool.runner.poll-interval", "100ms");
        assertThat(config.quarkusRunJar()).isEqualTo(Path.of("/repo/operator/target/quarkus-app/quarkus-run.jar"));
        assertThat(config.entrypoint()).isEqualTo(Path.of("/repo/images/builder/entrypoint.sh"));
        assertThatThrownBy(() -> config.withApiServerPort(-1))
                .hasMessage("apiServerPort must be 0 (any free port) or 1-65535, got -1");
    }
}

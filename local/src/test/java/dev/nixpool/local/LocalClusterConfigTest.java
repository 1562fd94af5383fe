package dev.nixpool.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** What a local cluster runs, from the repository layout and the local defaults. */
class LocalClusterConfigTest {

    @Test
    void operatorPropertiesAddToAndOverrideTheLocalDefaults() {
        LocalClusterConfig config = LocalClusterConfig
                .fromRepository(Path.of("/repo"), Path.of("/repo/operator/target"))
                .withOperatorProperty("nixpool.scheduling.pending-requeue", "1s")
                .withOperatorProperty("nixpool.runner.threads", "4");
        Map<String, String> effective = config.effectiveOperatorProperties();
        assertThat(effective).as("builders run as the cluster default (non-root): no ssh-user override")
                .doesNotContainKey("nixpool.builder.ssh-user")
                .containsEntry("nixpool.scheduling.pending-requeue", "1s")
                .containsEntry("nixpool.runner.threads", "4");
        assertThat(config.quarkusRunJar()).isEqualTo(Path.of("/repo/operator/target/quarkus-app/quarkus-run.jar"));
        assertThat(config.entrypoint()).isEqualTo(Path.of("/repo/images/builder/entrypoint.sh"));
        assertThat(config.crdDir()).isEqualTo(Path.of("/repo/crds"));
    }

    @Test
    void portsOutsideTheTcpRangeAreRefused() {
        LocalClusterConfig config = LocalClusterConfig.fromRepository(Path.of("/repo"), Path.of("/tmp/x"));
        assertThatThrownBy(() -> config.withApiServerPort(-1))
                .hasMessage("apiServerPort must be 0 (any free port) or 1-65535, got -1");
        assertThatThrownBy(() -> config.withApiServerPort(70000))
                .hasMessage("apiServerPort must be 0 (any free port) or 1-65535, got 70000");
    }
}

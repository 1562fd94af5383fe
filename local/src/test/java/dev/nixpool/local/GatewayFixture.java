package dev.nixpool.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.nixpool.api.v1alpha1.BuildOrigin;
import dev.nixpool.api.v1alpha1.NixBuild;
import dev.nixpool.api.v1alpha1.NixBuildPhase;
import dev.nixpool.local.apiserver.EmbeddedApiServer;
import dev.nixpool.nix.testing.LocalNixStore;
import dev.nixpool.nix.testing.ProcessResult;

/**
 * What the gateway scenario ITs share: a local cluster whose operator runs the gateway on a free loopback port (on the
 * addresses those ITs use), local mode's gateway files for its client key, a Nix client's commands through it, and
 * the NixBuilds the gateway created.
 */
final class GatewayFixture implements AutoCloseable {

    static final String NS = EmbeddedApiServer.DEFAULT_NAMESPACE;

    private final LocalCluster cluster;
    private final int port;

    private GatewayFixture(LocalCluster cluster, int port) {
        this.cluster = cluster;
        this.port = port;
    }

    /** Starts the cluster; its operator's log goes to {@code operator/target/local-cluster-logs/<operatorLog>}. */
    static GatewayFixture start(String operatorLog) throws Exception {
        int port = LocalGateway.freePort();
        Path target = ScenarioFixture.repoRoot().resolve("operator/target");
        LocalClusterConfig config = LocalClusterConfig.fromRepository(ScenarioFixture.repoRoot(), target)
                .withAddresses(220, 239)
                .withOperatorLog(target.resolve("local-cluster-logs/" + operatorLog));
        for (Map.Entry<String, String> p : LocalGateway.properties(port).entrySet()) {
            config = config.withOperatorProperty(p.getKey(), p.getValue());
        }
        return new GatewayFixture(LocalCluster.start(config), port);
    }

    LocalCluster cluster() {
        return cluster;
    }

    /** Local mode's gateway files (client key, known_hosts, ssh_config, machines) for the pools that exist now. */
    LocalGateway gateway() throws Exception {
        return LocalGateway.setUp(cluster.client(), NS, cluster.workDir().resolve("gateway"), port);
    }

    List<NixBuild> gatewayBuilds() {
        return cluster.client().resources(NixBuild.class).inNamespace(NS)
                .withLabel(BuildOrigin.LABEL, BuildOrigin.GATEWAY).list().getItems();
    }

    /** The one gateway build that succeeded with output {@code out}, once it has. */
    NixBuild succeededWithOutput(String out) {
        List<NixBuild> found = new ArrayList<>();
        await().atMost(ScenarioFixture.WAIT).untilAsserted(() -> {
            found.clear();
            gatewayBuilds().stream().filter(b -> b.getStatus() != null
                    && b.getStatus().getPhase() == NixBuildPhase.Succeeded
                    && b.getStatus().getOutputs().stream().anyMatch(o -> o.getPath().equals(out)))
                    .forEach(found::add);
            assertThat(found).hasSize(1);
        });
        return found.get(0);
    }

    /** A Nix command of {@code store}'s client, its ssh reaching the gateway through {@code sshConfig}. */
    static ProcessResult nix(LocalNixStore store, Path sshConfig, String... argv) throws Exception {
        List<String> command = new ArrayList<>(List.of("env", "NIX_SSHOPTS=-F " + sshConfig));
        command.addAll(List.of(argv));
        return store.run(command.toArray(String[]::new));
    }

    /** A file in the client's working directory (Nix expressions to build). */
    static Path write(LocalNixStore store, String name, String text) throws Exception {
        Path file = store.workDir().resolve(name);
        Files.writeString(file, text, StandardCharsets.UTF_8);
        return file;
    }

    @Override
    public void close() throws Exception {
        cluster.close();
    }
}

package dev.nixpool.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;

import dev.nixpool.Names;
import dev.nixpool.api.v1alpha1.BuildMachine;
import dev.nixpool.api.v1alpha1.CopyTo;
import dev.nixpool.api.v1alpha1.NixBuild;
import dev.nixpool.api.v1alpha1.SecretKeyRef;
import dev.nixpool.cache.LoopbackHttpCache;
import dev.nixpool.nix.store.StorePath;
import dev.nixpool.nix.testing.LocalNixStore;
import dev.nixpool.nix.testing.ProcessResult;

/**
 * A team cache fills as people build: an unmodified Nix 2.8 client builds through the local gateway on a pool whose
 * default {@code copyTo} is a file:// cache; the client's build ends as it always does, the operator then copies the
 * output into the cache, signed; a fresh store that requires signatures substitutes it from there over HTTP and
 * {@code nix store verify --sigs-needed 1} accepts it.
 */
class GatewayCopyToScenarioIT {

    private static final String NS = GatewayFixture.NS;

    private static GatewayFixture fixture;
    private static LocalCluster cluster;
    private static LocalGateway gateway;
    private static LocalNixStore client;
    private static Path cache;
    private static String publicKey;

    @BeforeAll
    static void start() throws Exception {
        fixture = GatewayFixture.start("gateway-copy-to-operator.log");
        cluster = fixture.cluster();
        client = LocalNixStore.create("gateway-copy-to-client");
        Path keys = Files.createDirectories(client.workDir().resolve("cache-keys"));
        client.runOk("nix-store", "--generate-binary-cache-key", "team-cache-1", keys.resolve("sk").toString(),
                keys.resolve("pk").toString());
        publicKey = Files.readString(keys.resolve("pk"), StandardCharsets.UTF_8).strip();
        cache = Files.createDirectories(cluster.workDir().resolve("team-cache"));
        Files.setPosixFilePermissions(cache, PosixFilePermissions.fromString("rwxr-xr-x"));

        KubernetesClient k8s = cluster.client();
        k8s.resource(new SecretBuilder().withNewMetadata().withName("cache-key").withNamespace(NS).endMetadata()
                .withStringData(Map.of("secret", Files.readString(keys.resolve("sk"), StandardCharsets.UTF_8)))
                .build()).create();
        BuildMachine pool = ScenarioFixture.example(k8s, BuildMachine.class, "buildmachine-default.yaml", NS);
        pool.getSpec().setCopyTo(new CopyTo("file://" + cache, new SecretKeyRef("cache-key", "secret")));
        k8s.resource(pool).create();
        gateway = fixture.gateway();
        // the authorisation takes effect when the operator's informer has seen the ConfigMap: within moments
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            ProcessResult ping = nix("nix", "store", "ping", "--store", "ssh://default@" + LocalGateway.HOST_ALIAS);
            assertThat(ping.exitCode()).as(ping.stderr()).isZero();
        });
    }

    @AfterAll
    static void stop() throws Exception {
        if (client != null) {
            client.close();
        }
        if (fixture != null) {
            fixture.close();
        }
    }

    @Test
    void aBuildThroughTheGatewayLandsSignedInThePoolsCacheAndAFreshStoreSubstitutesIt() throws Exception {
        String nonce = UUID.randomUUID().toString();
        Path expr = GatewayFixture.write(client, "team.nix",
                "derivation { name = \"gw-team-cache\"; system = builtins.currentSystem; builder = "
                        + "\"/bin/sh\"; args = [ \"-c\" \"echo team-" + nonce + " > $out\" ]; }");

        ProcessResult build = nix("nix-build", "--no-out-link", "--max-jobs", "0", "--builders",
                "@" + gateway.machines(), expr.toString());

        assertThat(build.exitCode()).as(build.stderr()).isZero();
        String out = build.stdoutText().trim();
        // after its upload, not when the client is done
        NixBuild done = fixture.succeededWithOutput(out);
        assertThat(done.getStatus().getOutputs()).singleElement().satisfies(o -> {
            assertThat(o.getCopiedTo()).isEqualTo("file://" + cache);
            assertThat(o.getSignedBy()).isEqualTo("team-cache-1");
        });
        assertThat(done.getStatus().getConditions()).anySatisfy(c -> {
            assertThat(c.getType()).isEqualTo(Names.CONDITION_UPLOADED);
            assertThat(c.getStatus()).isEqualTo("True");
        });

        try (LoopbackHttpCache http = LoopbackHttpCache.serving(cache);
                LocalNixStore fresh = LocalNixStore.create("gateway-copy-to-fresh")) {
            fresh.run("nix-store", "--realise", out, "--option", "substituters", http.url(), "--option",
                    "trusted-public-keys", publicKey, "--option", "require-sigs", "true")
                    .requireSuccess("nix-store --realise from " + http.url());
            assertThat(Files.readString(fresh.realPath(StorePath.parse(out)))).isEqualTo("team-" + nonce + "\n");
            assertThat(fresh.run("nix", "store", "verify", "--sigs-needed", "1", "--trusted-public-keys", publicKey,
                    "-r", out).exitCode()).as("the substituted path keeps the operator's signature").isZero();
        }
    }

    private static ProcessResult nix(String... argv) throws Exception {
        return GatewayFixture.nix(client, gateway.sshConfig(), argv);
    }
}

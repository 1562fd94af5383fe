package dev.nixpool.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.client.KubernetesClient;

import dev.nixpool.api.v1alpha1.BuildMachine;
import dev.nixpool.api.v1alpha1.BuildOrigin;
import dev.nixpool.api.v1alpha1.NixBuild;
import dev.nixpool.nix.store.StorePath;
import dev.nixpool.nix.testing.ClientStoreHelper;
import dev.nixpool.nix.testing.LocalNixStore;
import dev.nixpool.nix.testing.ProcessResult;
import dev.nixpool.ssh.OpenSshKeyPair;
import dev.nixpool.ssh.SshKeyGenerator;

/**
 * Local mode's gateway end to end: an unmodified Nix 2.8 client (its own store, a separate process, OpenSSH) uses the
 * local cluster as its ssh:// and ssh-ng:// remote builder through the files local mode writes; each client build is a NixBuild the
 * operator schedules on a real builder pod (sshd + Nix with its own store) and hands to the client's connection.
 */
class GatewayScenarioIT {

    private static final String NS = GatewayFixture.NS;
    /** A pool with one warm, reused builder: a named pool's uploads stream into it. */
    private static final String WARM = "warm";

    private static GatewayFixture fixture;
    private static LocalCluster cluster;
    private static LocalGateway gateway;
    private static LocalNixStore client;

    @BeforeAll
    static void start() throws Exception {
        fixture = GatewayFixture.start("gateway-operator.log");
        cluster = fixture.cluster();
        KubernetesClient k8s = cluster.client();
        k8s.resource(ScenarioFixture.example(k8s, BuildMachine.class, "buildmachine-default.yaml", NS)).create();
        BuildMachine warm = ScenarioFixture.example(k8s, BuildMachine.class, "buildmachine-default.yaml", NS);
        warm.getMetadata().setName(WARM);
        warm.getSpec().setMaxBuilders(1);
        warm.getSpec().setMinIdle(1);
        warm.getSpec().setEphemeral(false);
        k8s.resource(warm).create();
        gateway = fixture.gateway();
        client = LocalNixStore.create("gateway-scenario-client");
        // the authorisation takes effect when the operator's informer has seen the ConfigMap: within moments
        await().atMost(java.time.Duration.ofSeconds(10)).untilAsserted(() -> {
            ProcessResult ping = nix("nix", "store", "ping", "--store", "ssh://auto@" + LocalGateway.HOST_ALIAS);
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
    void storePingAnswersWithoutABuildAndAnUnknownKeyIsRefused() throws Exception {
        // the other test's builds may be there already: a ping adds none
        List<String> before = gatewayBuilds().stream().map(b -> b.getMetadata().getName()).toList();
        ProcessResult ping = nix("nix", "store", "ping", "--store", "ssh://auto@" + LocalGateway.HOST_ALIAS);
        assertThat(ping.exitCode()).as(ping.stderr()).isZero();
        ProcessResult named = nix("nix", "store", "ping", "--store", "ssh://default@" + LocalGateway.HOST_ALIAS);
        assertThat(named.exitCode()).as(named.stderr()).isZero();
        assertThat(gatewayBuilds()).extracting(b -> b.getMetadata().getName())
                .containsExactlyInAnyOrderElementsOf(before);

        OpenSshKeyPair stranger = SshKeyGenerator.generateEd25519("stranger");
        Path key = gateway.dir().resolve("stranger_ed25519");
        Files.writeString(key, stranger.privateKey());
        Files.setPosixFilePermissions(key, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        Path config = gateway.dir().resolve("stranger_ssh_config");
        Files.writeString(config, Files.readString(gateway.sshConfig())
                .replace("IdentityFile " + gateway.dir().resolve("id_ed25519"), "IdentityFile " + key));
        ProcessResult refused = client.run("ssh", "-F", config.toString(), "auto@" + LocalGateway.HOST_ALIAS,
                "nix-store", "--serve", "--write");
        assertThat(refused.exitCode()).isNotZero();
        assertThat(refused.stderr()).contains("Permission denied (publickey)");
    }

    @Test
    void aNixClientBuildsThroughTheMachinesFileAndTheBuildIsANixBuildWithItsResult() throws Exception {
        String nonce = UUID.randomUUID().toString();
        Path dep = write("dep.nix", "derivation { name = \"gws-dep\"; system = builtins.currentSystem; builder = "
                + "\"/bin/sh\"; args = [ \"-c\" \"echo dep-" + nonce + " > $out\" ]; }");
        Path main = write("main.nix", "let dep = import ./dep.nix; in derivation { name = \"gws-main\"; system = "
                + "builtins.currentSystem; builder = \"/bin/sh\"; args = [ \"-c\" \"read x < ${dep}; "
                + "echo \\\"$x via the cluster\\\" > $out\" ]; }");
        client.runOk("nix-build", "--no-out-link", "--builders", "", dep.toString());

        ProcessResult build = nix("nix-build", "--no-out-link", "--max-jobs", "0", "--builders",
                "@" + gateway.machines(), main.toString());

        assertThat(build.exitCode()).as(build.stderr()).isZero();
        StorePath out = StorePath.parse(build.stdoutText().trim());
        assertThat(Files.readString(client.realPath(out))).isEqualTo("dep-" + nonce + " via the cluster\n");
        assertThat(build.stderr()).contains("queued on pool default/default");
        NixBuild nb = awaitGatewayBuild(out);
        assertThat(nb.getMetadata().getLabels()).containsEntry(BuildOrigin.CLIENT_KEY_LABEL, "local");
        assertThat(nb.getStatus().getDerivation()).endsWith("-gws-main.drv");
        assertThat(nb.getStatus().getBuildStatus()).isEqualTo("Built");
        assertThat(nb.getStatus().getOutputs()).singleElement().satisfies(o -> {
            assertThat(o.getPath()).isEqualTo(out.toString());
            assertThat(o.getNarHash()).isEqualTo(ClientStoreHelper.pathInfo(client, out).narHash().toPrefixedNix32());
        });
        assertThat(nb.getStatus().getStartTime()).isNotNull();
        assertThat(nb.getStatus().getCompletionTime()).isNotNull();
        assertThat(nb.getStatus().getLogTail()).contains("1 of 1 uploaded paths copied to the builder");

        Path other = write("other.nix", "derivation { name = \"gws-auto\"; system = builtins.currentSystem; "
                + "builder = \"/bin/sh\"; args = [ \"-c\" \"echo auto-" + nonce + " > $out\" ]; }");
        ProcessResult auto = nix("nix-build", "--no-out-link", "--max-jobs", "0", "--builders",
                "ssh://auto@" + LocalGateway.HOST_ALIAS + " x86_64-linux - 1 1 - - -", other.toString());
        assertThat(auto.exitCode()).as(auto.stderr()).isZero();
        assertThat(auto.stderr()).contains("queued on pool default/default");
    }

    @Test
    void overSshNgANixClientBuildsOnANamedPoolAndThroughAuto() throws Exception {
        List<String> before = gatewayBuilds().stream().map(b -> b.getMetadata().getName()).toList();
        for (String user : List.of("default", "auto")) {
            ProcessResult ping = nix("nix", "store", "ping", "--store", "ssh-ng://" + user + "@"
                    + LocalGateway.HOST_ALIAS);
            assertThat(ping.exitCode()).as(ping.stderr()).isZero();
        }
        assertThat(gatewayBuilds()).extracting(b -> b.getMetadata().getName())
                .containsExactlyInAnyOrderElementsOf(before);

        String nonce = UUID.randomUUID().toString();
        Path dep = write("ng-dep.nix", "derivation { name = \"gwng-dep\"; system = builtins.currentSystem; "
                + "builder = \"/bin/sh\"; args = [ \"-c\" \"echo ng-" + nonce + " > $out\" ]; }");
        Path main = write("ng-main.nix", "let dep = import ./ng-dep.nix; in derivation { name = \"gwng-main\"; "
                + "system = builtins.currentSystem; builder = \"/bin/sh\"; args = [ \"-c\" \"read x < ${dep}; "
                + "echo \\\"$x over ssh-ng\\\" > $out\" ]; }");
        client.runOk("nix-build", "--no-out-link", "--builders", "", dep.toString());

        ProcessResult build = nix("nix-build", "--no-out-link", "--max-jobs", "0", "--builders",
                "ssh-ng://default@" + LocalGateway.HOST_ALIAS + " x86_64-linux - 1 1 - - -", main.toString());

        assertThat(build.exitCode()).as(build.stderr()).isZero();
        assertThat(build.stderr()).contains("on 'ssh-ng://default@" + LocalGateway.HOST_ALIAS + "'");
        StorePath out = StorePath.parse(build.stdoutText().trim());
        assertThat(Files.readString(client.realPath(out))).isEqualTo("ng-" + nonce + " over ssh-ng\n");
        NixBuild nb = awaitGatewayBuild(out);
        assertThat(nb.getStatus().getDerivation()).endsWith("-gwng-main.drv");
        assertThat(nb.getStatus().getOutputs()).singleElement().satisfies(o -> assertThat(o.getNarHash())
                .isEqualTo(ClientStoreHelper.pathInfo(client, out).narHash().toPrefixedNix32()));
        assertThat(nb.getStatus().getLogTail()).contains("1 of 1 uploaded paths copied to the builder");

        Path other = write("ng-other.nix", "derivation { name = \"gwng-auto\"; system = builtins.currentSystem; "
                + "builder = \"/bin/sh\"; args = [ \"-c\" \"echo auto-ng-" + nonce + " > $out\" ]; }");
        ProcessResult auto = nix("nix-build", "--no-out-link", "--max-jobs", "0", "--builders",
                "ssh-ng://auto@" + LocalGateway.HOST_ALIAS + " x86_64-linux - 1 1 - - -", other.toString());
        assertThat(auto.exitCode()).as(auto.stderr()).isZero();
        awaitGatewayBuild(StorePath.parse(auto.stdoutText().trim()));
    }

    /**
     * A named pool with a warm builder: the client's upload goes into that builder while the gateway spools it, so the
     * build placed there finds it in place and nothing is replayed; over ssh:// and ssh-ng://.
     */
    @Test
    void aNamedPoolsWarmBuilderGetsTheUploadsWhileTheClientSendsThem() throws Exception {
        for (String scheme : List.of("ssh", "ssh-ng")) {
            String nonce = UUID.randomUUID().toString();
            Path dep = write("warm-dep.nix", "derivation { name = \"gww-dep\"; system = builtins.currentSystem; "
                    + "builder = \"/bin/sh\"; args = [ \"-c\" \"echo " + scheme + "-" + nonce + " > $out\" ]; }");
            Path main = write("warm-main.nix", "let dep = import ./warm-dep.nix; in derivation { name = "
                    + "\"gww-main\"; system = builtins.currentSystem; builder = \"/bin/sh\"; args = [ \"-c\" "
                    + "\"read x < ${dep}; echo \\\"$x streamed\\\" > $out\" ]; }");
            client.runOk("nix-build", "--no-out-link", "--builders", "", dep.toString());
            awaitIdleWarmBuilder();

            ProcessResult build = nix("nix-build", "--no-out-link", "--max-jobs", "0", "--builders",
                    scheme + "://" + WARM + "@" + LocalGateway.HOST_ALIAS + " x86_64-linux - 1 1 - - -",
                    main.toString());

            assertThat(build.exitCode()).as(build.stderr()).isZero();
            StorePath out = StorePath.parse(build.stdoutText().trim());
            assertThat(Files.readString(client.realPath(out))).isEqualTo(scheme + "-" + nonce + " streamed\n");
            NixBuild nb = awaitGatewayBuild(out);
            assertThat(nb.getStatus().getMachine()).isEqualTo(WARM);
            assertThat(nb.getStatus().getLogTail()).as(scheme).contains("0 of 1 uploaded paths copied to the "
                    + "builder, 1 already there (1 streamed to it while the client uploaded)");
        }
    }

    private static void awaitIdleWarmBuilder() {
        await().atMost(ScenarioFixture.WAIT).until(() -> {
            BuildMachine m = cluster.client().resources(BuildMachine.class).inNamespace(NS).withName(WARM).get();
            return m != null && m.getStatus() != null && m.getStatus().getIdleBuilders() != null
                    && m.getStatus().getIdleBuilders() == 1;
        });
    }

    private static NixBuild awaitGatewayBuild(StorePath out) {
        return fixture.succeededWithOutput(out.toString());
    }

    private static List<NixBuild> gatewayBuilds() {
        return fixture.gatewayBuilds();
    }

    private static ProcessResult nix(String... argv) throws Exception {
        return GatewayFixture.nix(client, gateway.sshConfig(), argv);
    }

    private static Path write(String name, String text) throws Exception {
        return GatewayFixture.write(client, name, text);
    }
}

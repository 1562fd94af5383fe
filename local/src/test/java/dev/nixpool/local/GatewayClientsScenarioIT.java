package dev.nixpool.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;

import dev.nixpool.Names;
import dev.nixpool.api.v1alpha1.BuildMachine;
import dev.nixpool.api.v1alpha1.BuildOrigin;
import dev.nixpool.api.v1alpha1.FeaturePlacement;
import dev.nixpool.api.v1alpha1.NixBuild;
import dev.nixpool.api.v1alpha1.NixBuildPhase;
import dev.nixpool.gatewayops.ClientGrants;
import dev.nixpool.nix.testing.LocalNixStore;
import dev.nixpool.nix.testing.NixProcess;
import dev.nixpool.nix.testing.ProcessResult;
import dev.nixpool.runtime.LiveBuilder;
import dev.nixpool.ssh.OpenSshKeyPair;
import dev.nixpool.ssh.SshKeyGenerator;
import dev.nixpool.testing.Processes;

/**
 * Unmodified Nix 2.8 clients (separate processes, OpenSSH, stores of their own) through local mode's gateway: the
 * {@code auto} user choosing the pool from a derivation's required features, two clients with two keys sharing a pool
 * of two builders first come first served, and a client killed mid-build. Pools: {@code duo} (two reusable builders)
 * and {@code kvm} (kvm mandatory, placed on this machine: the pool's own kvm placement is empty).
 */
class GatewayClientsScenarioIT {

    private static final String NS = GatewayFixture.NS;
    private static final String LINE_DUO = "ssh://duo@" + LocalGateway.HOST_ALIAS + " x86_64-linux - 5 1 - - -";

    private static GatewayFixture fixture;
    private static LocalCluster cluster;
    private static LocalGateway gateway;
    private static LocalNixStore alice;
    private static LocalNixStore bob;
    private static Path bobSshConfig;

    @BeforeAll
    static void start() throws Exception {
        fixture = GatewayFixture.start("gateway-clients-operator.log");
        cluster = fixture.cluster();
        KubernetesClient k8s = cluster.client();
        k8s.resource(pool(k8s, "duo", 2, List.of(), List.of())).create();
        BuildMachine kvm = pool(k8s, "kvm", 1, List.of("kvm"), List.of("kvm"));
        kvm.getSpec().getFeaturePlacement().put("kvm", new FeaturePlacement());
        k8s.resource(kvm).create();
        gateway = fixture.gateway();
        bobSshConfig = secondClient(k8s);
        alice = LocalNixStore.create("gateway-clients-alice");
        bob = LocalNixStore.create("gateway-clients-bob");
        // the authorisations take effect when the operator's informer has seen the ConfigMaps: within moments
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(ping(alice, gateway.sshConfig()).exitCode()).isZero();
            assertThat(ping(bob, bobSshConfig).exitCode()).isZero();
        });
    }

    @AfterAll
    static void stop() throws Exception {
        for (LocalNixStore store : new LocalNixStore[]{alice, bob}) {
            if (store != null) {
                store.close();
            }
        }
        if (fixture != null) {
            fixture.close();
        }
    }

    @Test
    void autoSendsAKvmDerivationToTheKvmPoolAndAPlainOneElsewhere() throws Exception {
        // each pool's status carries the line local mode's machines file has for it
        String machines = Files.readString(gateway.machines());
        await().atMost(ScenarioFixture.WAIT).untilAsserted(() -> {
            for (String name : List.of("duo", "kvm")) {
                BuildMachine m = cluster.client().resources(BuildMachine.class).inNamespace(NS).withName(name).get();
                assertThat(m.getStatus()).isNotNull();
                assertThat(m.getStatus().getMachinesLine()).startsWith("ssh://" + name + "@" + LocalGateway.HOST_ALIAS)
                        .satisfies(line -> assertThat(machines.lines()).contains(line));
            }
        });

        String nonce = UUID.randomUUID().toString();
        Path file = write(alice, "auto.nix", "{\n"
                + "  vm = derivation { name = \"gwc-vm\"; system = builtins.currentSystem; builder = \"/bin/sh\";"
                + " requiredSystemFeatures = [ \"kvm\" ]; args = [ \"-c\" \"echo vm-" + nonce + " > $out\" ]; };\n"
                + "  plain = derivation { name = \"gwc-plain\"; system = builtins.currentSystem; builder = \"/bin/sh\";"
                + " args = [ \"-c\" \"echo plain-" + nonce + " > $out\" ]; };\n}\n");
        String auto = "ssh://auto@" + LocalGateway.HOST_ALIAS + " x86_64-linux - 2 1 kvm - -";

        ProcessResult build = nix(alice, gateway.sshConfig(), "nix-build", "--no-out-link", "--max-jobs", "0",
                "--builders", auto, file.toString());

        assertThat(build.exitCode()).as(build.stderr()).isZero();
        List<String> outs = build.stdoutText().lines().toList();
        assertThat(outs).hasSize(2);
        NixBuild vm = succeededWithOutput(outs.stream().filter(o -> o.endsWith("-gwc-vm")).findFirst().orElseThrow());
        NixBuild plain = succeededWithOutput(outs.stream().filter(o -> o.endsWith("-gwc-plain")).findFirst()
                .orElseThrow());
        assertThat(vm.getStatus().getMachine()).isEqualTo("kvm");
        assertThat(vm.getSpec().getRequiredSystemFeatures()).containsExactly("kvm");
        assertThat(plain.getStatus().getMachine()).isEqualTo("duo");
        assertThat(build.stderr()).contains("queued on pool default/kvm").contains("queued on pool default/duo");
    }

    @Test
    void twoClientsWithFiveBuildsEachShareTwoBuildersFirstComeFirstServed() throws Exception {
        String nonce = UUID.randomUUID().toString().substring(0, 8);
        // every build is held on its builder until the gate exists: the first two hold both builders, so the others
        // wait in the queue for as long as the test needs to see their positions, instead of for a moment
        Path gates = Files.createTempDirectory("nixpool-gwc-gate-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        Path gate = gates.resolve("open");
        Path aliceFile = write(alice, "five.nix", fiveBuilds("alice", nonce, gate));
        Path bobFile = write(bob, "five.nix", fiveBuilds("bob", nonce, gate));

        CompletableFuture<ProcessResult> aliceBuild = CompletableFuture.supplyAsync(() -> nixUnchecked(alice,
                gateway.sshConfig(), "nix-build", "--no-out-link", "--max-jobs", "0", "--builders", LINE_DUO,
                aliceFile.toString()));
        CompletableFuture<ProcessResult> bobBuild = CompletableFuture.supplyAsync(() -> nixUnchecked(bob,
                bobSshConfig, "nix-build", "--no-out-link", "--max-jobs", "0", "--builders", LINE_DUO,
                bobFile.toString()));
        try {
            // while builds wait, kubectl shows their places in the queue: with both builders held, the waiting builds'
            // positions settle on 1..n (each waiting build's first reconcile writes one, the queue refresher the rest)
            await().atMost(ScenarioFixture.WAIT).pollInterval(Duration.ofMillis(300)).untilAsserted(() -> {
                List<Integer> positions = queuePositionsByKubectl(nonce).stream().sorted().toList();
                assertThat(positions).as("queue positions kubectl shows").hasSizeGreaterThanOrEqualTo(2)
                        .isEqualTo(IntStream.rangeClosed(1, positions.size()).boxed().toList());
            });
        } finally {
            Files.createFile(gate);
        }
        ProcessResult a = aliceBuild.get();
        ProcessResult b = bobBuild.get();
        Files.delete(gate);
        Files.delete(gates);

        assertThat(a.exitCode()).as(a.stderr()).isZero();
        assertThat(b.exitCode()).as(b.stderr()).isZero();
        assertThat(a.stdoutText().lines()).hasSize(5);
        assertThat(b.stdoutText().lines()).hasSize(5);
        List<NixBuild> ours = new ArrayList<>();
        await().atMost(ScenarioFixture.WAIT).untilAsserted(() -> {
            ours.clear();
            gatewayBuilds().stream().filter(nb -> nb.getSpec().getDerivation().contains("-gwc-fifo-"))
                    .filter(nb -> nb.getSpec().getDerivation().contains(nonce)).forEach(ours::add);
            assertThat(ours).hasSize(10).allSatisfy(nb -> assertThat(nb.getStatus().getPhase())
                    .isEqualTo(NixBuildPhase.Succeeded));
        });
        assertThat(ours).extracting(nb -> nb.getMetadata().getLabels().get(BuildOrigin.CLIENT_KEY_LABEL))
                .containsOnly("local", "bob");
        assertThat(ours).extracting(nb -> nb.getStatus().getMachine()).containsOnly("duo");
        // First come, first served: a build created in an earlier second than another was placed (status.startTime)
        // no later than it. Builds created within the same second are left out: creationTimestamp has whole seconds,
        // and the operator cannot hold a build back for one created earlier in that second that it has not seen yet.
        for (NixBuild earlier : ours) {
            Instant created = Instant.parse(earlier.getMetadata().getCreationTimestamp());
            for (NixBuild later : ours) {
                if (Instant.parse(later.getMetadata().getCreationTimestamp()).isAfter(created)) {
                    assertThat(Instant.parse(later.getStatus().getStartTime()))
                            .as("%s placed no earlier than %s, created a second or more before it",
                                    later.getMetadata().getName(), earlier.getMetadata().getName())
                            .isAfterOrEqualTo(Instant.parse(earlier.getStatus().getStartTime()));
                }
            }
        }
    }

    @Test
    void aClientKilledMidBuildLeavesNoBuildProcessFreesItsBuilderAndTheBuildSaysWhy() throws Exception {
        String nonce = UUID.randomUUID().toString();
        String marker = "gwc-killed-" + nonce;
        Path file = write(alice, "long.nix", "derivation { name = \"gwc-long\"; system = builtins.currentSystem;"
                + " builder = \"/bin/sh\"; args = [ \"-c\" \"echo " + marker
                + "; while true; do sleep 1; done\" ]; }");
        NixProcess client = alice.start("env", "NIX_SSHOPTS=-F " + gateway.sshConfig(), "nix-build", "--no-out-link",
                "--max-jobs", "0", "--builders", LINE_DUO, file.toString());
        String[] builder = new String[1];
        String[] name = new String[1];
        try {
            await().atMost(ScenarioFixture.WAIT).untilAsserted(() -> {
                Optional<NixBuild> building = gatewayBuilds().stream()
                        .filter(nb -> nb.getSpec().getDerivation().endsWith("-gwc-long.drv")
                                && nb.getStatus() != null && nb.getStatus().getPhase() == NixBuildPhase.Building)
                        .findFirst();
                assertThat(building).as("the long build, Building").isPresent();
                NixBuild running = building.get();
                builder[0] = running.getStatus().getBuilder();
                name[0] = running.getMetadata().getName();
                assertThat(buildProcesses(builder[0], marker)).isNotEmpty();
            });
        } finally {
            // Ctrl-C's harsher form: the client and everything it started (ssh) die at once
            List<ProcessHandle> tree = client.process().descendants().toList();
            client.process().destroyForcibly();
            tree.forEach(ProcessHandle::destroyForcibly);
        }

        await().atMost(ScenarioFixture.WAIT).untilAsserted(() -> {
            NixBuild ended = ScenarioFixture.get(cluster.client(), NS, name[0]);
            assertThat(ended.getStatus().getPhase()).isEqualTo(NixBuildPhase.Failed);
            assertThat(ended.getStatus().getConditions())
                    .filteredOn(c -> c.getType().equals(Names.CONDITION_SUCCEEDED)).singleElement()
                    .satisfies(c -> {
                        assertThat(c.getReason()).isEqualTo("Cancelled");
                        assertThat(c.getMessage()).contains("the Nix client disconnected");
                    });
        });
        await().atMost(ScenarioFixture.WAIT).untilAsserted(() -> {
            assertThat(buildProcesses(builder[0], marker)).as("the build's processes on builder %s", builder[0])
                    .isEmpty();
            assertThat(ScenarioFixture.pgrep(marker)).isEmpty();
            BuildMachine duo = cluster.client().resources(BuildMachine.class).inNamespace(NS).withName("duo").get();
            assertThat(duo.getStatus().getBusyBuilders()).isZero();
        });
        // the builder is free for the next build, which the same builder may well serve
        Path next = write(alice, "after.nix", "derivation { name = \"gwc-after\"; system = builtins.currentSystem;"
                + " builder = \"/bin/sh\"; args = [ \"-c\" \"echo after-" + nonce + " > $out\" ]; }");
        ProcessResult after = nix(alice, gateway.sshConfig(), "nix-build", "--no-out-link", "--max-jobs", "0",
                "--builders", LINE_DUO, next.toString());
        assertThat(after.exitCode()).as(after.stderr()).isZero();
    }

    /** The processes of builder pod {@code pod} whose command line mentions {@code marker}. */
    private static List<String> buildProcesses(String pod, String marker) {
        List<String> found = new ArrayList<>();
        for (LiveBuilder b : ScenarioFixture.liveBuilders(cluster, NS, pod)) {
            for (long pid : b.processIds()) {
                try {
                    String cmdline = Files.readString(Path.of("/proc", Long.toString(pid), "cmdline"),
                            StandardCharsets.UTF_8).replace('\0', ' ');
                    if (cmdline.contains(marker)) {
                        found.add(pid + " " + cmdline);
                    }
                } catch (IOException gone) {
                    // the process ended between the listing and the read
                }
            }
        }
        return found;
    }

    /** Five builds that each wait, without a process or CPU, until {@code gate} exists (Nix runs them PATH-less). */
    private static String fiveBuilds(String client, String nonce, Path gate) {
        StringBuilder text = new StringBuilder("[\n");
        for (int i = 1; i <= 5; i++) {
            String script = "exec 3> >(:); while [ ! -e " + gate + " ]; do read -t 0.1 x < /proc/self/fd/3; done;"
                    + " echo " + client + i + " > $out";
            text.append("  (derivation { name = \"gwc-fifo-").append(client).append('-').append(i).append('-')
                    .append(nonce)
                    .append("\"; system = builtins.currentSystem; builder = \"/bin/bash\"; args = [ \"-c\" \"")
                    .append(script).append("\" ]; })\n");
        }
        return text.append("]\n").toString();
    }

    private static List<Integer> queuePositionsByKubectl(String nonce) {
        ProcessResult got = Processes.run(List.of("kubectl", "--kubeconfig", cluster.kubeconfig().toString(),
                "get", "nixbuilds", "-n", NS, "-l", BuildOrigin.LABEL + "=" + BuildOrigin.GATEWAY, "-o",
                "jsonpath={range .items[*]}{.spec.derivation} {.status.queuePosition}{\"\\n\"}{end}"),
                Duration.ofSeconds(30));
        return got.stdoutText().lines().map(String::trim).filter(l -> l.contains(nonce))
                .map(l -> l.split(" ")).filter(f -> f.length == 2).map(f -> Integer.parseInt(f[1])).toList();
    }

    private static NixBuild succeededWithOutput(String out) {
        return fixture.succeededWithOutput(out);
    }

    private static BuildMachine pool(KubernetesClient k8s, String name, int maxBuilders, List<String> supported,
            List<String> mandatory) {
        BuildMachine m = ScenarioFixture.example(k8s, BuildMachine.class, "buildmachine-default.yaml", NS);
        m.getMetadata().setName(name);
        m.getSpec().setMaxBuilders(maxBuilders);
        m.getSpec().setEphemeral(false);
        m.getSpec().setSupportedFeatures(new ArrayList<>(supported));
        m.getSpec().setMandatoryFeatures(new ArrayList<>(mandatory));
        // small requests: this machine's one node holds all three builders at once
        m.getSpec().getTemplate().setResources(new ResourceRequirementsBuilder()
                .addToRequests("cpu", new Quantity("100m")).addToRequests("memory", new Quantity("128Mi")).build());
        return m;
    }

    /** A second client key ("bob"), authorised by a ConfigMap of its own, and an ssh_config that logs in with it. */
    private static Path secondClient(KubernetesClient k8s) throws Exception {
        OpenSshKeyPair key = SshKeyGenerator.generateEd25519("bob");
        Path identity = gateway.dir().resolve("bob_ed25519");
        Files.writeString(identity, key.privateKey());
        Files.setPosixFilePermissions(identity, PosixFilePermissions.fromString("rw-------"));
        k8s.resource(new ConfigMapBuilder().withNewMetadata().withNamespace(NS).withName("bob-clients")
                .addToLabels(ClientGrants.LABEL, "true").endMetadata()
                .withData(Map.of("bob.pub", key.publicKey())).build()).create();
        Path config = gateway.dir().resolve("bob_ssh_config");
        Files.writeString(config, Files.readString(gateway.sshConfig())
                .replace("IdentityFile " + gateway.dir().resolve("id_ed25519"), "IdentityFile " + identity));
        return config;
    }

    private static List<NixBuild> gatewayBuilds() {
        return fixture.gatewayBuilds();
    }

    private static ProcessResult ping(LocalNixStore store, Path sshConfig) throws Exception {
        return nix(store, sshConfig, "nix", "store", "ping", "--store", "ssh://auto@" + LocalGateway.HOST_ALIAS);
    }

    private static ProcessResult nix(LocalNixStore store, Path sshConfig, String... argv) throws Exception {
        return GatewayFixture.nix(store, sshConfig, argv);
    }

    private static ProcessResult nixUnchecked(LocalNixStore store, Path sshConfig, String... argv) {
        try {
            return nix(store, sshConfig, argv);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static Path write(LocalNixStore store, String name, String text) throws Exception {
        return GatewayFixture.write(store, name, text);
    }
}

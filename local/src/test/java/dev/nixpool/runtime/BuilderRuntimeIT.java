package dev.nixpool.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodSecurityContextBuilder;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;

import dev.nixpool.runtime.BuilderPodFixture.BuilderKeys;

/**
 * The builder runtime against the Fabric8 mock API server in CRUD mode, with the repository's real
 * images/builder/entrypoint.sh, real sshd, the real OpenSSH client and real Nix 2.8: pods written by hand after the
 * builder contract become running builders with their own loopback address and their own Nix store.
 */
class BuilderRuntimeIT {

    private static final String NAMESPACE = "builds";
    private static final int FIRST_HOST = 200;
    private static final int LAST_HOST = 220;
    private static final Duration STARTUP = Duration.ofSeconds(60);

    private CrudMockServer server;
    private KubernetesClient client;
    private Path workDir;
    private Path entrypoint;
    private BuilderRuntime runtime;

    @BeforeEach
    void startRuntime() throws IOException {
        server = new CrudMockServer();
        client = server.client();
        Path target = Files.createDirectories(Path.of("target").toAbsolutePath());
        workDir = Files.createTempDirectory(target, "builder-runtime-it-");
        // non-root builder pods pass through it, as through local mode's state directory
        Files.setPosixFilePermissions(workDir, java.nio.file.attribute.PosixFilePermissions.fromString("rwx--x--x"));
        entrypoint = Path.of(System.getProperty("nixpool.repo.root", ".."), "images", "builder", "entrypoint.sh");
        runtime = new BuilderRuntime(client,
                BuilderRuntimeConfig.of(entrypoint, workDir.resolve("runtime")).withAddresses(FIRST_HOST, LAST_HOST));
        runtime.start();
    }

    @AfterEach
    void stopRuntime() throws IOException {
        try {
            runtime.close();
            assertThat(runtime.liveBuilders()).isEmpty();
        } finally {
            server.close();
            PodDirectories.deleteTree(workDir);
        }
    }

    @Test
    void podBecomesReadyOnItsOwnAddressAndBuildsIntoItsOwnStore() throws Exception {
        List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        BuilderKeys keys;
        Pod pod;
        try (var watch = client.pods().inNamespace(NAMESPACE).withName("b1").watch(new Watcher<Pod>() {
            @Override
            public void eventReceived(Action action, Pod resource) {
                if (resource.getStatus() != null && resource.getStatus().getPhase() != null) {
                    seen.add(resource.getStatus().getPhase() + "/ready=" + condition(resource, "Ready").getStatus());
                }
            }

            @Override
            public void onClose(WatcherException cause) {
            }
        })) {
            keys = BuilderKeys.generate();
            client.secrets().resource(keys.toSecret(NAMESPACE, "b1-ssh")).create();
            List<EnvVar> env = new java.util.ArrayList<>(BuilderPodFixture.offlineBuilderEnv());
            env.add(new EnvVar("NIXPOOL_MIN_FREE", "536870912", null));
            env.add(new EnvVar("NIXPOOL_MAX_FREE", "2147483648", null));
            client.pods().resource(BuilderPodFixture.builderPod(NAMESPACE, "b1", "b1-ssh", env)).create();
            pod = awaitReady("b1");
            await().atMost(Duration.ofSeconds(5)).until(() -> seen.contains("Running/ready=True"));
        }
        assertThat(seen).as("status transitions").containsExactly("Pending/ready=False", "Running/ready=False",
                "Running/ready=True");

        assertThat(pod.getStatus().getPhase()).isEqualTo("Running");
        assertThat(pod.getStatus().getHostIP()).isEqualTo("127.0.0.1");
        assertThat(hostPart(pod.getStatus().getPodIP())).isBetween(FIRST_HOST, LAST_HOST);
        assertThat(pod.getStatus().getStartTime()).isNotBlank();
        var container = pod.getStatus().getContainerStatuses().get(0);
        assertThat(container.getName()).isEqualTo("builder");
        assertThat(container.getReady()).isTrue();
        assertThat(container.getState().getRunning().getStartedAt()).isNotBlank();

        String address = pod.getStatus().getPodIP();
        OpenSshClient ssh = OpenSshClient.forBuilder(keys, address, BuilderPodFixture.SSH_PORT,
                workDir.resolve("ssh-b1"));
        var version = ssh.run(address, BuilderPodFixture.SSH_PORT, "nix-store --version");
        assertThat(version.exitCode()).as(version.stderr()).isZero();
        assertThat(version.stdout()).startsWith("nix-store (Nix) ");
        var config = ssh.run(address, BuilderPodFixture.SSH_PORT,
                "nix --extra-experimental-features nix-command show-config");
        assertThat(config.exitCode()).as(config.stderr()).isZero();
        assertThat(config.stdout().lines()).as("the store bounds of the contract reach the builder's Nix")
                .contains("min-free = 536870912", "max-free = 2147483648");

        String name = "nixpool-proof-" + System.nanoTime();
        var build = ssh.run(address, BuilderPodFixture.SSH_PORT,
                "nix-build --no-out-link -E 'derivation { name = \"" + name + "\"; system = builtins.currentSystem;"
                        + " builder = \"/bin/sh\"; args = [ \"-c\" \"echo hello > $out\" ]; }'");
        assertThat(build.exitCode()).as(build.stderr()).isZero();
        String outPath = build.stdout().strip();
        assertThat(outPath).startsWith("/nix/store/").endsWith("-" + name);
        Path inPodStore = live("b1").storeDir().resolve(Path.of(outPath).getFileName());
        assertThat(inPodStore).hasContent("hello");
        assertThat(Path.of(outPath)).as("the build must not land in the host's store").doesNotExist();
    }

    @Test
    void twoPodsGetDistinctAddressesAndStores() throws Exception {
        BuilderKeys keysA = createBuilder("a");
        BuilderKeys keysB = createBuilder("b");
        String addressA = awaitReady("a").getStatus().getPodIP();
        String addressB = awaitReady("b").getStatus().getPodIP();
        assertThat(addressA).isNotEqualTo(addressB);
        assertThat(live("a").storeDir()).isNotEqualTo(live("b").storeDir());

        String file = "nixpool-proof-" + System.nanoTime();
        String added = addToStore(OpenSshClient.forBuilder(keysA, addressA, BuilderPodFixture.SSH_PORT,
                workDir.resolve("ssh-a")), addressA, file, "from a");
        Path storeName = Path.of(added).getFileName();
        assertThat(live("a").storeDir().resolve(storeName)).hasContent("from a");
        assertThat(live("b").storeDir().resolve(storeName)).doesNotExist();
        assertThat(Path.of(added)).doesNotExist();

        var check = OpenSshClient.forBuilder(keysB, addressB, BuilderPodFixture.SSH_PORT, workDir.resolve("ssh-b"))
                .run(addressB, BuilderPodFixture.SSH_PORT, "nix-store --check-validity " + added);
        assertThat(check.exitCode()).as("pod b must not know pod a's store path").isNotZero();
    }

    @Test
    void deletingThePodKillsItsProcessesRemovesItsFilesAndFreesItsAddress() throws Exception {
        createBuilder("doomed");
        String address = awaitReady("doomed").getStatus().getPodIP();
        LiveBuilder builder = live("doomed");
        assertThat(pgrep(builder.stateDir())).as("sshd runs with the pod's state dir").isNotEmpty();

        client.pods().inNamespace(NAMESPACE).withName("doomed").delete();

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(builder.processIds()).allSatisfy(
                    pid -> assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive)).as("pid " + pid).isEmpty());
            assertThat(pgrep(builder.stateDir())).isEmpty();
            assertThat(builder.podDir()).doesNotExist();
            assertThat(runtime.liveBuilders()).isEmpty();
        });
        createBuilder("next");
        assertThat(awaitReady("next").getStatus().getPodIP()).as("the freed address is reused").isEqualTo(address);
    }

    @Test
    void podWaitsPendingWhileNoAddressIsFreeAndStartsWhenOneIs() {
        runtime.close();
        runtime = new BuilderRuntime(client,
                BuilderRuntimeConfig.of(entrypoint, workDir.resolve("narrow")).withAddresses(211, 211));
        runtime.start();
        createBuilder("first");
        String address = awaitReady("first").getStatus().getPodIP();
        createBuilder("second");

        Pod waiting = await().atMost(STARTUP).until(() -> client.pods().inNamespace(NAMESPACE).withName("second").get(),
                pod -> pod.getStatus() != null && "False".equals(condition(pod, "PodScheduled").getStatus()));
        assertThat(waiting.getStatus().getPhase()).isEqualTo("Pending");
        assertThat(condition(waiting, "PodScheduled").getReason()).isEqualTo("Unschedulable");
        assertThat(condition(waiting, "PodScheduled").getMessage()).isEqualTo(
                "no free loopback address in 127.0.0.211-127.0.0.211 with port 2222 unused (1 builders running)");

        client.pods().inNamespace(NAMESPACE).withName("first").delete();
        assertThat(awaitReady("second").getStatus().getPodIP()).isEqualTo(address);
    }

    @Test
    void podWhoseNodeSelectorTheNodeLacksStaysPendingAsTheSchedulerLeavesIt() {
        BuilderKeys keys = BuilderKeys.generate();
        client.secrets().resource(keys.toSecret(NAMESPACE, "gpu-ssh")).create();
        Pod pod = BuilderPodFixture.builderPod(NAMESPACE, "gpu", "gpu-ssh", BuilderPodFixture.offlineBuilderEnv());
        pod.getSpec().getNodeSelector().put("nixpool.dev/gpu", "true");
        client.pods().resource(pod).create();

        Pod pending = await().atMost(STARTUP).until(() -> client.pods().inNamespace(NAMESPACE).withName("gpu").get(),
                p -> p.getStatus() != null && "False".equals(condition(p, "PodScheduled").getStatus()));
        String expected = "0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector. preemption:"
                + " 0/1 nodes are available: 1 Preemption is not helpful for scheduling.";
        assertThat(pending.getStatus().getPhase()).isEqualTo("Pending");
        assertThat(condition(pending, "PodScheduled").getReason()).isEqualTo("Unschedulable");
        assertThat(condition(pending, "PodScheduled").getMessage()).isEqualTo(expected);
        assertThat(pending.getStatus().getContainerStatuses()).isEmpty();
        var events = await().atMost(Duration.ofSeconds(10))
                .until(() -> client.v1().events().inNamespace(NAMESPACE).list().getItems(), list -> !list.isEmpty());
        assertThat(events).singleElement().satisfies(event -> {
            assertThat(event.getType()).isEqualTo("Warning");
            assertThat(event.getReason()).isEqualTo("FailedScheduling");
            assertThat(event.getMessage()).isEqualTo(expected);
            assertThat(event.getSource().getComponent()).isEqualTo("default-scheduler");
            assertThat(event.getReportingComponent()).isEqualTo("default-scheduler");
            assertThat(event.getInvolvedObject().getName()).isEqualTo("gpu");
        });
        assertThat(client.nodes().list().getItems()).singleElement()
                .satisfies(node -> assertThat(node.getMetadata().getLabels()).containsEntry("kubernetes.io/os", "linux")
                        .containsEntry("nixpool.dev/big-parallel", "true").doesNotContainKey("nixpool.dev/gpu"));
        assertNothingRunsOrRemains();
    }

    @Test
    void storeOnAClaimOutlivesThePodAndTheNextPodFindsItsPathsValid() throws Exception {
        client.persistentVolumeClaims().resource(new PersistentVolumeClaimBuilder().withNewMetadata()
                .withName("store-0").withNamespace(NAMESPACE).endMetadata().build()).create();
        BuilderKeys first = createBuilder("slot-a", claimAtNix("store-0"));
        String address = awaitReady("slot-a").getStatus().getPodIP();
        assertThat(live("slot-a").storeDir()).isEqualTo(
                workDir.resolve("runtime").resolve("claims").resolve(NAMESPACE).resolve("store-0").resolve("store"));
        String name = "nixpool-kept-" + System.nanoTime();
        String build = "nix-build --no-out-link -E 'derivation { name = \"" + name + "\"; system ="
                + " builtins.currentSystem; builder = \"/bin/sh\"; args = [ \"-c\" \"echo kept > $out\" ]; }'";
        var built = OpenSshClient.forBuilder(first, address, BuilderPodFixture.SSH_PORT, workDir.resolve("ssh-slot-a"))
                .run(address, BuilderPodFixture.SSH_PORT, build);
        assertThat(built.exitCode()).as(built.stderr()).isZero();
        assertThat(built.stderr()).contains("building '");
        String outPath = built.stdout().strip();

        LiveBuilder gone = live("slot-a");
        client.pods().inNamespace(NAMESPACE).withName("slot-a").delete();
        await().atMost(Duration.ofSeconds(30)).until(() -> !Files.exists(gone.podDir()));

        BuilderKeys second = createBuilder("slot-b", claimAtNix("store-0"));
        String next = awaitReady("slot-b").getStatus().getPodIP();
        OpenSshClient ssh = OpenSshClient.forBuilder(second, next, BuilderPodFixture.SSH_PORT,
                workDir.resolve("ssh-slot-b"));
        var valid = ssh.run(next, BuilderPodFixture.SSH_PORT, "nix-store --check-validity " + outPath);
        assertThat(valid.exitCode()).as(valid.stderr()).isZero();
        var again = ssh.run(next, BuilderPodFixture.SSH_PORT, build);
        assertThat(again.exitCode()).as(again.stderr()).isZero();
        assertThat(again.stdout().strip()).isEqualTo(outPath);
        assertThat(again.stderr()).as("the output is valid already: nothing to build").doesNotContain("building '");
    }

    @Test
    void podOnAMissingClaimStaysPendingUntilTheClaimExists() {
        createBuilder("claimless", claimAtNix("later"));
        Pod pending = await().atMost(STARTUP).until(
                () -> client.pods().inNamespace(NAMESPACE).withName("claimless").get(),
                p -> p.getStatus() != null && "False".equals(condition(p, "PodScheduled").getStatus()));
        assertThat(pending.getStatus().getPhase()).isEqualTo("Pending");
        assertThat(condition(pending, "PodScheduled").getReason()).isEqualTo("Unschedulable");
        assertThat(condition(pending, "PodScheduled").getMessage()).isEqualTo("0/1 nodes are available:"
                + " persistentvolumeclaim \"later\" not found. preemption: 0/1 nodes are available: 1 Preemption is"
                + " not helpful for scheduling.");

        client.persistentVolumeClaims().resource(new PersistentVolumeClaimBuilder().withNewMetadata()
                .withName("later").withNamespace(NAMESPACE).endMetadata().build()).create();
        awaitReady("claimless");
    }

    @Test
    void emptyDirStoreIsThePodsAndGoesWithIt() throws Exception {
        createBuilder("scratch", new VolumeBuilder().withName("store").withNewEmptyDir().withSizeLimit(
                new io.fabric8.kubernetes.api.model.Quantity("1Gi")).endEmptyDir().build());
        awaitReady("scratch");
        LiveBuilder builder = live("scratch");
        assertThat(builder.storeDir()).isEqualTo(builder.podDir().resolve("volumes").resolve("store").resolve("store"));
        client.pods().inNamespace(NAMESPACE).withName("scratch").delete();
        await().atMost(Duration.ofSeconds(30)).until(() -> !Files.exists(builder.podDir()));
    }

    private static Volume claimAtNix(String claim) {
        return new VolumeBuilder().withName("store").withNewPersistentVolumeClaim().withClaimName(claim)
                .endPersistentVolumeClaim().build();
    }

    /** A builder pod with one more volume, mounted at /nix. */
    private BuilderKeys createBuilder(String name, Volume storeVolume) {
        BuilderKeys keys = BuilderKeys.generate();
        client.secrets().resource(keys.toSecret(NAMESPACE, name + "-ssh")).create();
        Pod pod = BuilderPodFixture.builderPod(NAMESPACE, name, name + "-ssh", BuilderPodFixture.offlineBuilderEnv());
        pod.getSpec().getVolumes().add(storeVolume);
        pod.getSpec().getContainers().get(0).getVolumeMounts()
                .add(new VolumeMountBuilder().withName(storeVolume.getName()).withMountPath("/nix").build());
        client.pods().resource(pod).create();
        return keys;
    }

    @Test
    void nonRootPodAsTheOperatorRendersItReadsItsKeysAndBuildsAsItsUser() throws Exception {
        BuilderKeys keys = BuilderKeys.generate();
        client.secrets().resource(keys.toSecret(NAMESPACE, "unprivileged-ssh")).create();
        client.pods().resource(nonRoot(BuilderPodFixture.builderPod(NAMESPACE, "unprivileged", "unprivileged-ssh",
                BuilderPodFixture.offlineBuilderEnv()), true)).create();
        String address = awaitReady("unprivileged").getStatus().getPodIP();
        LiveBuilder builder = live("unprivileged");
        Path key = builder.podDir().resolve("ssh").resolve("ssh_host_ed25519_key");
        assertThat(VolumeOwnership.mode(key)).as("defaultMode 0440").isEqualTo(0440);
        assertThat(Files.getAttribute(key, "unix:gid")).isEqualTo(10001);

        OpenSshClient ssh = OpenSshClient.forBuilder(keys, address, BuilderPodFixture.SSH_PORT,
                workDir.resolve("ssh-unprivileged"), "nixpool");
        var id = ssh.run(address, BuilderPodFixture.SSH_PORT, "id -u; id -G; grep NoNewPrivs /proc/self/status");
        assertThat(id.exitCode()).as(id.stderr()).isZero();
        assertThat(id.stdout().lines().toList()).containsExactly("10001", "10001", "NoNewPrivs:\t1");
        String name = "nixpool-unprivileged-" + System.nanoTime();
        var build = ssh.run(address, BuilderPodFixture.SSH_PORT,
                "nix-build --no-out-link -E 'derivation { name = \"" + name + "\"; system = builtins.currentSystem;"
                        + " builder = \"/bin/sh\"; args = [ \"-c\" \"echo built > $out\" ]; }'");
        assertThat(build.exitCode()).as(build.stderr()).isZero();
        Path output = builder.storeDir().resolve(Path.of(build.stdout().strip()).getFileName());
        assertThat(output).hasContent("built");
        assertThat(Files.getAttribute(output, "unix:uid")).as("built by the pod's user").isEqualTo(10001);
    }

    @Test
    void theLoginIsTheImagesNotTheHostsNoRcFilesAndOnlySshdsEnvironment() throws Exception {
        BuilderKeys keys = BuilderKeys.generate();
        client.secrets().resource(keys.toSecret(NAMESPACE, "hermetic-ssh")).create();
        client.pods().resource(BuilderPodFixture.builderPod(NAMESPACE, "hermetic", "hermetic-ssh",
                BuilderPodFixture.offlineBuilderEnv())).create();
        String address = awaitReady("hermetic").getStatus().getPodIP();
        Path home = live("hermetic").podDir().resolve("home");
        // what a login shell of the host's kind would read; a hook waiting on a lock here once hung every handshake
        for (String rc : List.of(".bashrc", ".bash_profile", ".profile", ".zshenv", ".kshrc")) {
            Files.writeString(home.resolve(rc), "echo HOSTILE-" + rc + "; sleep 60\n");
        }

        var login = OpenSshClient.forBuilder(keys, address, BuilderPodFixture.SSH_PORT, workDir.resolve("ssh-hermetic"))
                .run(address, BuilderPodFixture.SSH_PORT,
                        "echo \"shell=$0 bash=${BASH_VERSION:-none} home=$HOME\"; env | cut -d= -f1 | sort");
        assertThat(login.exitCode()).as(login.stderr()).isZero();
        assertThat(login.stdout() + login.stderr()).doesNotContain("HOSTILE");
        List<String> lines = login.stdout().lines().toList();
        // sshd runs a command as `SHELL -c COMMAND` with the shell's base name as $0
        assertThat(lines.get(0)).isEqualTo("shell=sh bash=none home=" + home);
        assertThat(lines.subList(1, lines.size())).as("only what sshd and the entrypoint's SetEnv give a login")
                .isSubsetOf("HOME", "LOGNAME", "MAIL", "PATH", "PWD", "SHELL", "SHLVL", "SSH_CLIENT", "SSH_CONNECTION",
                        "USER", "NIX_CONF_DIR", "XDG_CACHE_HOME", "_", "OLDPWD", "TZ", "MOTD_SHOWN");
    }

    @Test
    void nonRootPodWithoutFsGroupCannotReadRootOwnedKeysAsWithAKubelet() {
        client.secrets().resource(BuilderKeys.generate().toSecret(NAMESPACE, "locked-out-ssh")).create();
        Pod pod = nonRoot(BuilderPodFixture.builderPod(NAMESPACE, "locked-out", "locked-out-ssh",
                BuilderPodFixture.offlineBuilderEnv()), false);
        client.pods().resource(pod).create();
        Pod failed = awaitPhase("locked-out", "Failed");
        var terminated = failed.getStatus().getContainerStatuses().get(0).getState().getTerminated();
        assertThat(terminated.getExitCode()).isEqualTo(1);
        assertThat(terminated.getMessage()).contains("missing key file").contains("ssh_host_ed25519_key");
    }

    @Test
    void runAsNonRootWithoutAUserIsRefusedAsKubeletRefusesIt() {
        client.secrets().resource(BuilderKeys.generate().toSecret(NAMESPACE, "rootish-ssh")).create();
        Pod pod = BuilderPodFixture.builderPod(NAMESPACE, "rootish", "rootish-ssh",
                BuilderPodFixture.offlineBuilderEnv());
        pod.getSpec().setSecurityContext(new PodSecurityContextBuilder().withRunAsNonRoot(true).build());
        client.pods().resource(pod).create();
        Pod failed = awaitPhase("rootish", "Failed");
        assertThat(failed.getStatus().getReason()).isEqualTo("CreateContainerConfigError");
        assertThat(failed.getStatus().getMessage()).startsWith("container has runAsNonRoot and image will run as root"
                + " (pod: \"rootish_builds(").endsWith(")\", container: builder)");
    }

    /**
     * The security settings the operator renders with {@code nixpool.builder.run-as-user=10001} (the reference image's
     * user): pod runAsUser/runAsGroup/fsGroup 10001, runAsNonRoot, seccomp RuntimeDefault; container without privilege
     * escalation and with every capability dropped; key files 0440. Without fsGroup, as issue 12 found the default
     * install: the keys stay root's 0400.
     */
    private static Pod nonRoot(Pod pod, boolean withFsGroup) {
        var context = new PodSecurityContextBuilder().withRunAsUser(10001L).withRunAsGroup(10001L)
                .withRunAsNonRoot(true).withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile();
        if (withFsGroup) {
            context.withFsGroup(10001L);
            pod.getSpec().getVolumes().get(0).getSecret().setDefaultMode(0440);
        }
        pod.getSpec().setSecurityContext(context.build());
        pod.getSpec().getContainers().get(0).setSecurityContext(new SecurityContextBuilder()
                .withAllowPrivilegeEscalation(false).withNewCapabilities().withDrop("ALL").endCapabilities().build());
        return pod;
    }

    @Test
    void podWithoutItsSecretFails() {
        client.pods().resource(BuilderPodFixture.builderPod(NAMESPACE, "keyless", "keyless-ssh",
                BuilderPodFixture.offlineBuilderEnv())).create();
        Pod failed = awaitPhase("keyless", "Failed");
        assertThat(failed.getStatus().getReason()).isEqualTo("CreateContainerConfigError");
        assertThat(failed.getStatus().getMessage())
                .isEqualTo("secret \"keyless-ssh\" not found in namespace builds (volume ssh-keys)");
        assertNothingRunsOrRemains();
    }

    @Test
    void podWithValueFromEnvFails() {
        client.secrets().resource(BuilderKeys.generate().toSecret(NAMESPACE, "indirect-ssh")).create();
        List<EnvVar> env = new java.util.ArrayList<>(BuilderPodFixture.offlineBuilderEnv());
        env.add(new EnvVarBuilder().withName("NIXPOOL_MAX_JOBS").withNewValueFrom().withNewSecretKeyRef()
                .withName("jobs").withKey("count").endSecretKeyRef().endValueFrom().build());
        client.pods().resource(BuilderPodFixture.builderPod(NAMESPACE, "indirect", "indirect-ssh", env)).create();
        Pod failed = awaitPhase("indirect", "Failed");
        assertThat(failed.getStatus().getReason()).isEqualTo("CreateContainerConfigError");
        assertThat(failed.getStatus().getMessage()).isEqualTo("pod builds/indirect, container builder: env "
                + "NIXPOOL_MAX_JOBS uses valueFrom, which the builder runtime does not support; expected a literal value");
        assertNothingRunsOrRemains();
    }

    @Test
    void crashedBuilderMarksThePodFailed() throws Exception {
        createBuilder("fragile");
        awaitReady("fragile");
        LiveBuilder builder = live("fragile");

        runtime.killAbruptly(NAMESPACE, "fragile");

        Pod failed = awaitPhase("fragile", "Failed");
        var container = failed.getStatus().getContainerStatuses().get(0);
        ContainerStateTerminated terminated = container.getState().getTerminated();
        assertThat(terminated.getExitCode()).isEqualTo(137);
        assertThat(terminated.getReason()).isEqualTo("Error");
        assertThat(container.getReady()).isFalse();
        assertThat(condition(failed, "Ready").getStatus()).isEqualTo("False");
        assertThat(pgrep(builder.stateDir())).isEmpty();
        assertThat(builder.podDir()).doesNotExist();
    }

    @Test
    void closingTheRuntimeLeavesNoProcessMountOrDirectory() throws Exception {
        createBuilder("one");
        createBuilder("two");
        awaitReady("one");
        awaitReady("two");
        List<LiveBuilder> builders = runtime.liveBuilders();
        assertThat(builders).hasSize(2);
        assertThat(mountsBelow(workDir)).as("the store mounts exist while the pods run").isNotEmpty();

        runtime.close();

        for (LiveBuilder builder : builders) {
            assertThat(builder.processIds()).allSatisfy(
                    pid -> assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive)).as("pid " + pid).isEmpty());
            assertThat(pgrep(builder.stateDir())).isEmpty();
            Pod pod = client.pods().inNamespace(NAMESPACE).withName(builder.name()).get();
            assertThat(pod.getStatus().getPhase()).isEqualTo("Failed");
            assertThat(pod.getStatus().getReason()).isEqualTo("Terminated");
        }
        assertThat(mountsBelow(workDir)).isEmpty();
        try (Stream<Path> left = Files.list(workDir.resolve("runtime"))) {
            assertThat(left).isEmpty();
        }
    }

    private BuilderKeys createBuilder(String name) {
        BuilderKeys keys = BuilderKeys.generate();
        client.secrets().resource(keys.toSecret(NAMESPACE, name + "-ssh")).create();
        client.pods().resource(BuilderPodFixture.builderPod(NAMESPACE, name, name + "-ssh",
                BuilderPodFixture.offlineBuilderEnv())).create();
        return keys;
    }

    private Pod awaitReady(String name) {
        return await().atMost(STARTUP).until(() -> client.pods().inNamespace(NAMESPACE).withName(name).get(), pod -> {
            if (pod.getStatus() == null) {
                return false;
            }
            assertThat(pod.getStatus().getPhase()).as("pod %s: %s", name, pod.getStatus()).isNotEqualTo("Failed");
            return "True".equals(condition(pod, "Ready").getStatus());
        });
    }

    private Pod awaitPhase(String name, String phase) {
        return await().atMost(STARTUP).until(() -> client.pods().inNamespace(NAMESPACE).withName(name).get(),
                pod -> pod.getStatus() != null && phase.equals(pod.getStatus().getPhase()));
    }

    private static PodCondition condition(Pod pod, String type) {
        return pod.getStatus().getConditions().stream().filter(c -> c.getType().equals(type)).findFirst()
                .orElse(new PodCondition());
    }

    private LiveBuilder live(String name) {
        return runtime.liveBuilders().stream().filter(b -> b.name().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no live builder " + name + ": " + runtime.liveBuilders()));
    }

    private void assertNothingRunsOrRemains() {
        assertThat(runtime.liveBuilders()).isEmpty();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            try (Stream<Path> left = Files.list(workDir.resolve("runtime"))) {
                assertThat(left.map(p -> p.getFileName().toString())).containsOnly(".builder-runtime.lock");
            }
        });
    }

    private static String addToStore(OpenSshClient ssh, String address, String file, String content)
            throws Exception {
        var added = ssh.run(address, BuilderPodFixture.SSH_PORT, "d=$(mktemp -d) && printf %s '" + content + "' > $d/"
                + file + " && nix-store --add $d/" + file + " && rm -r $d");
        assertThat(added.exitCode()).as(added.stderr()).isZero();
        return added.stdout().strip();
    }

    private static String pgrep(Path stateDir) throws Exception {
        Process pgrep = new ProcessBuilder("pgrep", "-f", "-a", stateDir.toString()).redirectErrorStream(true).start();
        String out = new String(pgrep.getInputStream().readAllBytes()).strip();
        pgrep.waitFor();
        return out;
    }

    /** Mount points under the work dir in any process's mount namespace on this machine. */
    private static List<String> mountsBelow(Path dir) throws IOException {
        List<String> found = new java.util.ArrayList<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path proc : (Iterable<Path>) procs::iterator) {
                if (!proc.getFileName().toString().matches("\\d+")) {
                    continue;
                }
                try {
                    for (String line : Files.readAllLines(proc.resolve("mountinfo"))) {
                        if (line.contains(dir.toString())) {
                            found.add(proc.getFileName() + ": " + line);
                        }
                    }
                } catch (IOException processGone) {
                    // exited while we looked
                }
            }
        }
        return found;
    }

    private static int hostPart(String address) {
        assertThat(address).startsWith("127.0.0.");
        return Integer.parseInt(address.substring("127.0.0.".length()));
    }
}

package dev.nixpool.local.apiserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;

import dev.nixpool.nix.testing.ProcessResult;
import dev.nixpool.testing.Processes;

/** The real kubectl against the embedded API server, doing what a local-mode user does. */
class EmbeddedApiServerKubectlIT {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String SUCCEEDED_STATUS = """
            {"phase":"Succeeded","machine":"default","builder":"default-0-x7k2q","attempts":1,"duration":"1m4s",
             "outputs":[{"name":"out","path":"/nix/store/0123456789abcdfghijklmnpqrsvwxyz-hello-nixpool"}],
             "conditions":[{"type":"Succeeded","status":"True","reason":"Built","message":"built on default",
                            "lastTransitionTime":"2026-01-01T00:00:00Z"}]}""";

    private static KubectlFixture k;

    @BeforeAll
    static void start() throws Exception {
        k = new KubectlFixture();
    }

    @AfterAll
    static void stop() {
        if (k != null) {
            k.close();
        }
    }

    @Test
    void discoveryListsTheCustomResourcesWithShortNamesAndCategory() {
        String resources = k.ok("api-resources", "-o", "wide");
        assertThat(resources.lines()).anySatisfy(line -> assertThat(line.split("\\s+"))
                .containsExactly("nixbuilds", "nb", "nixpool.dev/v1alpha1", "true", "NixBuild",
                        "create,delete,deletecollection,get,list,patch,update,watch", "nixpool"));
        assertThat(resources.lines()).anySatisfy(line -> assertThat(line.split("\\s+"))
                .startsWith("buildmachines", "bm", "nixpool.dev/v1alpha1", "true", "BuildMachine"));
        assertThat(k.ok("api-resources", "--categories", "nixpool", "-o", "name").lines())
                .containsExactlyInAnyOrder("buildmachines.nixpool.dev", "nixbuilds.nixpool.dev");
        assertThat(k.ok("get", "crds", "-o", "name").lines()).containsExactlyInAnyOrder(
                "customresourcedefinition.apiextensions.k8s.io/buildmachines.nixpool.dev",
                "customresourcedefinition.apiextensions.k8s.io/nixbuilds.nixpool.dev");
        assertThat(k.ok("get", "--raw", "/apis/nixpool.dev/v1alpha1?timeout=32s"))
                .contains("\"name\":\"nixbuilds/status\"").contains("\"shortNames\":[\"nb\"]");
        assertThat(k.ok("version", "-o", "json")).contains("\"serverVersion\"").contains("\"minor\": \"32\"");
        ProcessResult all = k.kubectl("get", "all", "-n", "nothing-here");
        assertThat(all.exitCode()).as(Processes.describe(all)).isZero();
        assertThat(all.stderr()).contains("No resources found in nothing-here namespace.");
    }

    @Test
    void applyCreatesAndReapplyReplacesArrays() throws Exception {
        String ns = "apply";
        k.namespace(ns);
        assertThat(k.ok("apply", "-n", ns, "-f", KubectlFixture.example("buildmachine-default.yaml").toString()))
                .contains("buildmachine.nixpool.dev/default created");
        Path changed = k.dir().resolve("machine-aarch64.yaml");
        Files.writeString(changed, Files.readString(KubectlFixture.example("buildmachine-default.yaml"))
                .replace("    - x86_64-linux\n", "    - aarch64-linux\n    - i686-linux\n"), StandardCharsets.UTF_8);
        assertThat(k.ok("apply", "-n", ns, "-f", changed.toString()))
                .contains("buildmachine.nixpool.dev/default configured");

        GenericKubernetesResource machine = k.client().genericKubernetesResources(KubectlFixture.BUILDMACHINES)
                .inNamespace(ns).withName("default").get();
        Map<String, Object> spec = machine.get("spec");
        assertThat(spec.get("systems")).isEqualTo(List.of("aarch64-linux", "i686-linux"));
        assertThat(machine.getMetadata().getGeneration()).isEqualTo(2L);
        assertThat(machine.getMetadata().getAnnotations().get("kubectl.kubernetes.io/last-applied-configuration"))
                .contains("\"systems\":[\"aarch64-linux\",\"i686-linux\"]");

        assertThat(k.ok("apply", "-n", ns, "-f", changed.toString()))
                .contains("buildmachine.nixpool.dev/default unchanged");
        assertThat(k.client().genericKubernetesResources(KubectlFixture.BUILDMACHINES).inNamespace(ns)
                .withName("default").get().getMetadata().getGeneration()).isEqualTo(2L);
    }

    @Test
    void getShowsPrinterColumnsFromTheStatusTheOperatorWrote() throws Exception {
        String ns = "columns";
        k.namespace(ns);
        k.ok("apply", "-n", ns, "-f", KubectlFixture.example("nixbuild-hello-expression.yaml").toString());
        k.ok("apply", "-n", ns, "-f", KubectlFixture.example("buildmachine-default.yaml").toString());
        k.patchStatus(ns, "hello", SUCCEEDED_STATUS);

        k.patchMachineStatus(ns, "default", """
                {"builders":4,"startingBuilders":1,"idleBuilders":2,"busyBuilders":1,"queued":3,
                 "systemsSummary":"x86_64-linux",
                 "featuresSummary":"kvm,nixos-test"}""");

        // the CRD's column order, as the real API server serves it; priority 1 columns only with -o wide
        List<String> table = k.ok("get", "nixbuilds", "-n", ns).lines().toList();
        assertThat(table.get(0).split("\\s+")).containsExactly("NAME", "PHASE", "MACHINE", "OUTPUT", "AGE");
        assertThat(table.get(1).split("\\s+")).hasSize(5).startsWith("hello", "Succeeded", "default",
                "/nix/store/0123456789abcdfghijklmnpqrsvwxyz-hello-nixpool");
        assertThat(table.get(1).split("\\s+")[4]).matches("\\d+s");
        // the short name gives the same table; AGE is left out, as a second may pass between the two calls
        assertThat(k.ok("get", "nb", "-n", ns).lines().map(EmbeddedApiServerKubectlIT::withoutAge))
                .containsExactlyElementsOf(table.stream().map(EmbeddedApiServerKubectlIT::withoutAge).toList());

        List<String> wide = k.ok("get", "nb", "-n", ns, "-o", "wide").lines().toList();
        assertThat(wide.get(0).split("\\s+")).containsExactly("NAME", "PHASE", "MACHINE", "OUTPUT", "AGE", "BUILDER",
                "ATTEMPTS", "QUEUE", "DURATION");
        // a missing value is a null cell, which kubectl prints as nothing: Queue (no queuePosition) is empty here
        assertThat(wide.get(1).split("\\s+")).hasSize(8).endsWith("default-0-x7k2q", "1", "1m4s");

        List<String> machines = k.ok("get", "bm", "-n", ns).lines().toList();
        assertThat(machines.get(0).split("\\s+")).containsExactly("NAME", "SYSTEMS", "FEATURES", "IDLE", "BUSY",
                "QUEUED", "AGE");
        assertThat(machines.get(1).split("\\s+")).hasSize(7).startsWith("default", "x86_64-linux", "kvm,nixos-test",
                "2", "1", "3");
        k.ok("patch", "bm", "default", "-n", ns, "--type=merge", "-p", "{\"spec\":{\"minIdle\":2}}");
        List<String> machinesWide = k.ok("get", "bm", "-n", ns, "-o", "wide").lines().toList();
        assertThat(machinesWide.get(0).split("\\s+")).containsExactly("NAME", "SYSTEMS", "FEATURES", "IDLE", "BUSY",
                "QUEUED", "AGE", "STARTING", "BUILDERS", "MIN-IDLE", "MAX");
        assertThat(machinesWide.get(1).split("\\s+")).hasSize(11).endsWith("1", "4", "2", "10");

        assertThat(k.ok("get", "nixpool", "-n", ns, "-o", "name").lines())
                .containsExactlyInAnyOrder("buildmachine.nixpool.dev/default", "nixbuild.nixpool.dev/hello");
        assertThat(k.ok("get", "nb", "hello", "-n", ns, "-o", "jsonpath={.status.phase} {.status.outputs[0].name}"))
                .isEqualTo("Succeeded out");
        assertThat(k.ok("get", "nb", "hello", "-n", ns, "-o", "yaml")).contains("phase: Succeeded")
                .contains("kind: NixBuild").contains("system: x86_64-linux");
        assertThat(k.ok("get", "buildmachines", "-n", ns, "-o", "name"))
                .isEqualTo("buildmachine.nixpool.dev/default\n");
    }

    @Test
    void watchStreamsChanges() throws Exception {
        String ns = "watch";
        k.namespace(ns);
        k.ok("apply", "-n", ns, "-f", KubectlFixture.example("nixbuild-hello-expression.yaml").toString());
        KubectlFixture.Background watch = k.start("get", "nb", "-n", ns, "-w");
        await().atMost(WAIT).untilAsserted(() -> assertThat(watch.text()).contains("hello"));
        assertThat(watch.text()).doesNotContain("Succeeded");

        k.patchStatus(ns, "hello", SUCCEEDED_STATUS);
        await().atMost(WAIT).untilAsserted(() -> assertThat(watch.text().lines())
                .anySatisfy(line -> assertThat(line).matches("hello\\s+Succeeded\\s+default\\s+.*")));
        assertThat(watch.process().isAlive()).as("kubectl get -w keeps watching").isTrue();
        assertThat(watch.text().lines().filter(l -> l.startsWith("NAME")).count()).isEqualTo(1);
    }

    @Test
    void waitReturnsWhenTheConditionIsSet() throws Exception {
        String ns = "wait";
        k.namespace(ns);
        k.ok("apply", "-n", ns, "-f", KubectlFixture.example("nixbuild-hello-expression.yaml").toString());
        // -v=6 logs every request: once the watch is open, kubectl has looked at the object and is waiting on it
        KubectlFixture.Background wait = k.start("wait", "-n", ns, "--for=condition=Succeeded", "nixbuild/hello",
                "--timeout=60s", "-v=6");
        awaitWatchOpened(wait);
        assertThat(wait.process().isAlive()).as("kubectl wait is still waiting: " + wait.text()).isTrue();

        k.patchStatus(ns, "hello", SUCCEEDED_STATUS);
        assertThat(wait.process().waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)).as(wait.text()).isTrue();
        assertThat(wait.process().exitValue()).as(wait.text()).isZero();
        assertThat(wait.text()).contains("nixbuild.nixpool.dev/hello condition met");
    }

    @Test
    void describeShowsTheObjectAndItsEvents() throws Exception {
        String ns = "describe";
        k.namespace(ns);
        k.ok("apply", "-n", ns, "-f", KubectlFixture.example("nixbuild-hello-expression.yaml").toString());
        GenericKubernetesResource build = k.nixBuild(ns, "hello").get();
        createEvent(ns, "hello-scheduled", "NixBuild", "hello", build.getMetadata().getUid(), "Scheduled",
                "scheduled onto machine default");
        createEvent(ns, "other-event", "NixBuild", "other", "0000", "Unrelated", "must not be shown");

        String described = k.ok("describe", "nixbuild", "hello", "-n", ns);
        assertThat(described).contains("Name:         hello").contains("Kind:         NixBuild")
                .contains("System:").contains("x86_64-linux");
        String events = described.substring(described.indexOf("Events:"));
        assertThat(events).contains("Scheduled").contains("scheduled onto machine default")
                .contains("nixpool-operator").doesNotContain("Unrelated");
    }

    private static void createEvent(String ns, String name, String kind, String object, String uid, String reason,
            String message) {
        String now = Instant.now().toString();
        k.client().v1().events().inNamespace(ns).resource(new EventBuilder().withNewMetadata().withName(name)
                .withNamespace(ns).endMetadata().withNewInvolvedObject().withApiVersion("nixpool.dev/v1alpha1")
                .withKind(kind).withName(object).withNamespace(ns).withUid(uid).endInvolvedObject().withReason(reason)
                .withMessage(message).withType("Normal").withFirstTimestamp(now).withLastTimestamp(now).withCount(1)
                .withNewSource().withComponent("nixpool-operator").endSource().build()).create();
    }

    @Test
    void deletingAPoolWithKubectlCollectsTheObjectsItOwns() throws Exception {
        String ns = "collect";
        k.namespace(ns);
        k.ok("apply", "-n", ns, "-f", KubectlFixture.example("buildmachine-default.yaml").toString());
        String uid = k.ok("get", "bm", "default", "-n", ns, "-o", "jsonpath={.metadata.uid}");
        Path owned = k.dir().resolve("owned.yaml");
        Files.writeString(owned, """
                apiVersion: v1
                kind: Secret
                metadata:
                  name: default-builder-key
                  ownerReferences:
                  - {apiVersion: nixpool.dev/v1alpha1, kind: BuildMachine, name: default, uid: %s, controller: true}
                ---
                apiVersion: v1
                kind: PersistentVolumeClaim
                metadata:
                  name: default-store-0
                  ownerReferences:
                  - {apiVersion: nixpool.dev/v1alpha1, kind: BuildMachine, name: default, uid: %s, controller: true}
                spec:
                  accessModes: [ReadWriteOnce]
                  resources: {requests: {storage: 1Gi}}
                """.formatted(uid, uid), StandardCharsets.UTF_8);
        k.ok("apply", "-n", ns, "-f", owned.toString());

        k.ok("delete", "bm", "default", "-n", ns);

        await().atMost(WAIT).untilAsserted(() -> assertThat(k.ok("get", "secrets,pvc", "-n", ns, "-o", "name"))
                .as("the garbage collector deletes what the pool owned").isBlank());
    }

    @Test
    void deleteKeepsAnObjectWithFinalizersUntilTheyAreRemoved() throws Exception {
        String ns = "delete";
        k.namespace(ns);
        k.ok("apply", "-n", ns, "-f", KubectlFixture.example("nixbuild-hello-expression.yaml").toString());
        k.nixBuild(ns, "hello").edit(b -> {
            b.getMetadata().setFinalizers(List.of("nixpool.dev/builder-cleanup"));
            return b;
        });

        assertThat(k.ok("delete", "nixbuild", "hello", "-n", ns, "--wait=false"))
                .contains("nixbuild.nixpool.dev \"hello\" deleted");
        GenericKubernetesResource lingering = k.nixBuild(ns, "hello").get();
        assertThat(lingering).as("object with a finalizer lingers").isNotNull();
        assertThat(Instant.parse(lingering.getMetadata().getDeletionTimestamp()))
                .isBetween(Instant.now().minusSeconds(60), Instant.now().plusSeconds(1));
        assertThat(k.ok("get", "nb", "hello", "-n", ns, "-o", "jsonpath={.metadata.deletionTimestamp}"))
                .isEqualTo(lingering.getMetadata().getDeletionTimestamp());

        KubectlFixture.Background waitingDelete = k.start("delete", "nixbuild", "hello", "-n", ns, "-v=6");
        awaitWatchOpened(waitingDelete);
        assertThat(waitingDelete.process().isAlive()).as("kubectl delete waits for the finalizer: "
                + waitingDelete.text()).isTrue();

        k.nixBuild(ns, "hello").edit(b -> {
            b.getMetadata().setFinalizers(List.of());
            return b;
        });
        assertThat(waitingDelete.process().waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)).as(waitingDelete.text())
                .isTrue();
        assertThat(waitingDelete.process().exitValue()).as(waitingDelete.text()).isZero();
        assertThat(k.nixBuild(ns, "hello").get()).isNull();
        ProcessResult gone = k.kubectl("get", "nb", "hello", "-n", ns);
        assertThat(gone.exitCode()).as(Processes.describe(gone)).isNotZero();
        assertThat(gone.stderr()).contains("nixbuilds.nixpool.dev \"hello\" not found");
    }

    @Test
    void theFabric8InformerSeesWhatKubectlDoes() throws Exception {
        String ns = "informer";
        k.namespace(ns);
        BlockingQueue<String> seen = new LinkedBlockingQueue<>();
        SharedIndexInformer<GenericKubernetesResource> informer = k.client()
                .genericKubernetesResources(KubectlFixture.NIXBUILDS).inNamespace(ns)
                .inform(new ResourceEventHandler<>() {
                    @Override
                    public void onAdd(GenericKubernetesResource obj) {
                        seen.add("add " + obj.getMetadata().getName());
                    }

                    @Override
                    public void onUpdate(GenericKubernetesResource oldObj, GenericKubernetesResource newObj) {
                        Map<String, String> labels = newObj.getMetadata().getLabels();
                        seen.add("update " + newObj.getMetadata().getName() + " "
                                + (labels == null ? null : labels.get("team")));
                    }

                    @Override
                    public void onDelete(GenericKubernetesResource obj, boolean deletedFinalStateUnknown) {
                        seen.add("delete " + obj.getMetadata().getName());
                    }
                });
        try {
            k.ok("apply", "-n", ns, "-f", KubectlFixture.example("nixbuild-hello-expression.yaml").toString());
            assertThat(seen.poll(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo("add hello");

            // a NixBuild's spec is immutable (a CEL transition rule), so the applied change is a label
            Path changed = k.dir().resolve("hello-labelled.yaml");
            String example = Files.readString(KubectlFixture.example("nixbuild-hello-expression.yaml"));
            assertThat(example).contains("\n  name: hello\n");
            Files.writeString(changed,
                    example.replace("\n  name: hello\n", "\n  name: hello\n  labels:\n    team: nix\n"),
                    StandardCharsets.UTF_8);
            k.ok("apply", "-n", ns, "-f", changed.toString());
            assertThat(seen.poll(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo("update hello nix");

            k.ok("delete", "nb", "hello", "-n", ns);
            assertThat(seen.poll(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo("delete hello");
        } finally {
            informer.close();
        }
    }

    /** Until kubectl's request log (-v=6) shows the watch it waits on answered by the server. */
    private static void awaitWatchOpened(KubectlFixture.Background kubectl) {
        await().atMost(WAIT).untilAsserted(() -> assertThat(kubectl.text()).as("kubectl's requests")
                .containsPattern("GET \\S+watch=true\\S* 200 OK"));
    }

    /** A row of {@code kubectl get}'s default table without its second column, AGE. */
    /** A row of the default NixBuild table without its last cell, AGE. */
    private static List<String> withoutAge(String row) {
        List<String> cells = new ArrayList<>(List.of(row.split("\\s+")));
        cells.remove(cells.size() - 1);
        return cells;
    }
}

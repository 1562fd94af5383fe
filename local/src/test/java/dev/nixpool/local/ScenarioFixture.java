package dev.nixpool.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;

import dev.nixpool.Names;
import dev.nixpool.api.v1alpha1.BuildMachine;
import dev.nixpool.api.v1alpha1.NixBuild;
import dev.nixpool.api.v1alpha1.NixBuildSpec;
import dev.nixpool.runtime.LiveBuilder;
import dev.nixpool.status.Reason;
import dev.nixpool.testing.Processes;

/** Starting a local cluster for scenario tests, loading examples into it and waiting on builds. */
final class ScenarioFixture {

    /** Generous but finite: a build here takes seconds, a builder start about one. */
    static final Duration WAIT = Duration.ofSeconds(120);

    private ScenarioFixture() {
    }

    static Path repoRoot() {
        return Path.of(System.getProperty("nixpool.repo.root", "..")).toAbsolutePath().normalize();
    }

    /**
     * A cluster whose builders take 127.0.0.{first..last}; the operator's log stays in
     * operator/target/local-cluster-logs/{label}-operator.log for a failed test's reader.
     */
    static LocalCluster start(String label, int first, int last) {
        return start(label, first, last, 1);
    }

    /** The same with {@code replicas} operator processes (replica i > 0 logs to {label}-operator-i.log). */
    static LocalCluster start(String label, int first, int last, int replicas) {
        return start(label, first, last, replicas, Map.of());
    }

    /** The same with operator properties of the test's own (e.g. a short default build time limit). */
    static LocalCluster start(String label, int first, int last, int replicas, Map<String, String> properties) {
        Path target = repoRoot().resolve("operator/target");
        LocalClusterConfig config = LocalClusterConfig.fromRepository(repoRoot(), target)
                .withAddresses(first, last)
                .withOperatorReplicas(replicas)
                .withOperatorLog(target.resolve("local-cluster-logs/" + label + "-operator.log"));
        for (Map.Entry<String, String> property : properties.entrySet()) {
            config = config.withOperatorProperty(property.getKey(), property.getValue());
        }
        return LocalCluster.start(config);
    }

    static void createNamespace(KubernetesClient client, String namespace) {
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(namespace).endMetadata().build())
                .create();
    }

    /** A new namespace with the BuildMachine of an examples/ file in it. */
    static void namespaceWithPool(KubernetesClient client, String namespace, String poolExample) {
        createNamespace(client, namespace);
        client.resource(example(client, BuildMachine.class, poolExample, namespace)).create();
    }

    /** An examples/ file as a resource of {@code type}, moved to {@code namespace}. */
    static <T extends HasMetadata> T example(KubernetesClient client, Class<T> type, String file, String namespace) {
        try (InputStream in = Files.newInputStream(repoRoot().resolve("examples").resolve(file))) {
            T resource = client.getKubernetesSerialization().unmarshal(in, type);
            resource.getMetadata().setNamespace(namespace);
            return resource;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read example " + file, e);
        }
    }

    /** A build of a one-line shell derivation (bash, builtins only: the builder gets no PATH). */
    static NixBuild shellBuild(String namespace, String name, String derivationName, String script) {
        return expressionBuild(namespace, name, shellDerivation(derivationName, script));
    }

    /**
     * A Nix expression for a one-line shell derivation; {@code script} is quoted for a Nix string, so it cannot refer
     * to other derivations (build such an expression by hand).
     */
    static String shellDerivation(String derivationName, String script) {
        return """
                derivation {
                  name = "%s";
                  system = "x86_64-linux";
                  builder = "/bin/bash";
                  args = [ "-c" "%s" ];
                }
                """.formatted(derivationName, script.replace("\\", "\\\\").replace("\"", "\\\"")
                .replace("${", "\\${"));
    }

    /** A build of a Nix expression for x86_64-linux. */
    static NixBuild expressionBuild(String namespace, String name, String expression) {
        NixBuildSpec spec = new NixBuildSpec();
        spec.setExpression(expression);
        spec.setSystem("x86_64-linux");
        NixBuild build = new NixBuild();
        build.setMetadata(new ObjectMetaBuilder().withNamespace(namespace).withName(name).build());
        build.setSpec(spec);
        return build;
    }

    /**
     * A bash line that waits {@code seconds} without a process or CPU: read with a time limit from a pipe whose write
     * end the shell itself holds open.
     */
    static String waitSeconds(int seconds) {
        return "exec 3> >(:); read -t " + seconds + " x < /proc/self/fd/3";
    }

    /**
     * A build script's wait until {@code file} exists (the test creates it when it has seen what it waits for), at most
     * {@code seconds}: the build's own polling, so the test observes a state instead of racing a build's duration.
     */
    static String waitForFile(Path file, int seconds) {
        return "exec 3> >(:); i=0; while [ ! -e " + file + " ] && [ $i -lt " + seconds * 10
                + " ]; do read -t 0.1 x < /proc/self/fd/3; i=$((i+1)); done";
    }

    static NixBuild get(KubernetesClient client, String namespace, String name) {
        return client.resources(NixBuild.class).inNamespace(namespace).withName(name).get();
    }

    /** Waits until the build's phase is final, and returns it then. */
    static NixBuild awaitFinished(KubernetesClient client, String namespace, String name) {
        await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).until(() -> {
            NixBuild build = get(client, namespace, name);
            return build != null && build.getStatus() != null && build.getStatus().getPhase() != null
                    && build.getStatus().getPhase().isFinal();
        });
        return get(client, namespace, name);
    }

    /**
     * The pods of an ephemeral pool labelled as the build's (the build that takes a builder labels it); a reusable
     * builder carries no build label.
     */
    static List<Pod> builderPods(KubernetesClient client, String namespace, String buildName) {
        return client.pods().inNamespace(namespace).withLabel(Names.LABEL_BUILD, Names.labelValue(buildName)).list()
                .getItems();
    }

    /** The builder pod a build holds or held: its status.builder (pods belong to their pool and have random names). */
    static String builderOf(KubernetesClient client, String namespace, String buildName) {
        NixBuild build = get(client, namespace, buildName);
        String pod = build != null && build.getStatus() != null ? build.getStatus().getBuilder() : null;
        if (pod == null) {
            throw new AssertionError("no builder named in the status of " + describe(build));
        }
        return pod;
    }

    /** The running processes of a builder pod, if the builder runtime has them. */
    static List<LiveBuilder> liveBuilders(LocalCluster cluster, String namespace, String podName) {
        return cluster.runtime().liveBuilders().stream()
                .filter(b -> b.namespace().equals(namespace) && b.name().equals(podName))
                .toList();
    }

    /** Processes whose command line mentions {@code text} (pgrep -f), e.g. a builder's state directory. */
    static List<String> pgrep(String text) {
        var result = Processes.run(List.of("pgrep", "-a", "-f", text), Duration.ofSeconds(10));
        return result.stdoutText().lines().filter(line -> !line.contains("pgrep")).toList();
    }

    /** The Events about one object, as the operator recorded them. */
    static List<Event> events(KubernetesClient client, String namespace, String kind, String name, Reason reason) {
        return client.v1().events().inNamespace(namespace).list().getItems().stream()
                .filter(e -> kind.equals(e.getInvolvedObject().getKind())
                        && name.equals(e.getInvolvedObject().getName()) && reason.value().equals(e.getReason()))
                .toList();
    }

    /** An attempt's build log as the operator's LogStore keeps it in the cluster's work dir. */
    static String buildLog(LocalCluster cluster, String namespace, String name, int attempt) {
        Path file = cluster.workDir().resolve("build-logs").resolve(namespace).resolve(name)
                .resolve("attempt-" + attempt + ".log");
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the build log " + file, e);
        }
    }

    /** A build's status in one line, for assertion messages. */
    static String describe(NixBuild build) {
        if (build == null) {
            return "(gone)";
        }
        var status = build.getStatus();
        if (status == null) {
            return build.getMetadata().getName() + ": no status";
        }
        return build.getMetadata().getName() + ": phase " + status.getPhase() + ", buildStatus "
                + status.getBuildStatus() + ", attempts " + status.getAttempts() + ", conditions "
                + status.getConditions().stream()
                        .map(c -> c.getType() + "=" + c.getStatus() + "/" + c.getReason() + ": " + c.getMessage())
                        .toList()
                + ", logTail " + status.getLogTail();
    }

    static void assertPhaseFinal(NixBuild build) {
        assertThat(build.getStatus().getPhase().isFinal()).as(describe(build)).isTrue();
    }
}

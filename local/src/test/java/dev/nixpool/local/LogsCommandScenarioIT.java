package dev.nixpool.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;

import dev.nixpool.api.v1alpha1.NixBuild;
import dev.nixpool.api.v1alpha1.NixBuildPhase;
import dev.nixpool.cli.UsageException;
import dev.nixpool.cli.logs.LogsCommand;
import dev.nixpool.local.apiserver.UserInfo;
import dev.nixpool.nix.testing.ProcessResult;
import dev.nixpool.testing.Processes;

/**
 * {@code nixpool logs} end to end, the way it works on a cluster: the user's kubeconfig, the API server's service proxy
 * to the operator's Service, the operator's TokenReview and SubjectAccessReview, a real build on a real builder. Alice
 * may get NixBuilds in the namespace and follows a log while it is written; Mallory may use the proxy but not get the
 * build, and is refused; a kubeconfig without a token reads nothing, and neither does kubectl's raw request through
 * the proxy (the API server keeps the caller's Authorization header to itself, which is why the CLI sends its own).
 */
class LogsCommandScenarioIT {

    private static final String NS = "logs-rbac";

    @RegisterExtension
    static final LocalClusterExtension CLUSTER = new LocalClusterExtension("logs-command", 241, 250);

    @TempDir
    Path dir;

    private final KubernetesClient client = CLUSTER.client();

    private record Run(int exit, String out, String err) {
    }

    private static Run logs(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit;
        try {
            exit = new LogsCommand().run(List.of(args), new PrintStream(out, true, StandardCharsets.UTF_8),
                    new PrintStream(err, true, StandardCharsets.UTF_8));
        } catch (UsageException e) {
            throw new AssertionError("the test's arguments are wrong: " + e.getMessage(), e);
        }
        return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void whoeverMayGetTheBuildReadsAndFollowsItsLogAndNobodyElse() throws Exception {
        ScenarioFixture.namespaceWithPool(client, NS, "buildmachine-default.yaml");
        grantReadingBuilds("alice");
        grantTheProxyToEveryone();
        Path alice = kubeconfig("alice");
        Path mallory = kubeconfig("mallory");

        client.resource(ScenarioFixture.shellBuild(NS, "counting", "counting-" + System.nanoTime(),
                "for i in 1 2 3 4 5; do echo counted-$i >&2; " + ScenarioFixture.waitSeconds(1) + " || :; done; "
                        + "echo counted > $out"))
                .create();
        // started before the build has a builder: -f waits for the log, then follows it to the build's end
        CompletableFuture<Run> follow = CompletableFuture.supplyAsync(() -> logs("counting", "-n", NS, "-f",
                "--kubeconfig", alice.toString()));

        NixBuild done = ScenarioFixture.awaitFinished(client, NS, "counting");
        assertThat(done.getStatus().getPhase()).as(ScenarioFixture.describe(done)).isEqualTo(NixBuildPhase.Succeeded);
        Run followed = follow.get(ScenarioFixture.WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(followed.exit()).as(followed.err()).isZero();
        assertThat(followed.out()).contains("[nixpool] attempt 1: connecting to", "counted-1", "counted-5",
                "[nixpool] Nix says: Built");
        assertThat(followed.out().indexOf("counted-1")).isLessThan(followed.out().indexOf("counted-5"));

        Run read = logs("counting", "-n", NS, "--kubeconfig", alice.toString());
        assertThat(read.exit()).as(read.err()).isZero();
        assertThat(read.out()).as("following printed the whole log, once").isEqualTo(followed.out());
        assertThat(logs("counting", "-n", NS, "--attempt", "1", "--kubeconfig", alice.toString()).out())
                .isEqualTo(read.out());

        Run refused = logs("counting", "-n", NS, "--kubeconfig", mallory.toString());
        assertThat(refused.exit()).isEqualTo(1);
        assertThat(refused.out()).isEmpty();
        assertThat(refused.err()).isEqualTo("nixpool logs: Forbidden: User \"mallory\" cannot get resource "
                + "\"nixbuilds\" in API group \"nixpool.dev\" in the namespace \"" + NS + "\" (NixBuild counting), so "
                + "it may not read its log\n");
        Run refusedFollowing = logs("counting", "-n", NS, "-f", "--kubeconfig", mallory.toString());
        assertThat(refusedFollowing.exit()).isEqualTo(1);
        assertThat(refusedFollowing.err()).contains("Forbidden: User \"mallory\"");

        Run noToken = logs("counting", "-n", NS, "--kubeconfig", tokenless().toString());
        assertThat(noToken.exit()).isEqualTo(1);
        assertThat(noToken.err()).contains("the kubeconfig's user has no bearer token");

        String proxied = "/api/v1/namespaces/nixpool-system/services/nixpool-operator:http/proxy/api/v1/namespaces/"
                + NS + "/nixbuilds/counting/log";
        ProcessResult raw = kubectl(alice, "get", "--raw", proxied);
        assertThat(raw.exitCode()).as("no token reaches the operator through the proxy").isNotZero();
        // the operator's 401 for the missing token, which kubectl takes for the API server's own
        assertThat(Processes.describe(raw)).contains("You must be logged in to the server");

        try (KubernetesClient asMallory = new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(null,
                mallory.toFile())).build()) {
            assertThatThrownBy(() -> asMallory.resources(NixBuild.class).inNamespace(NS).withName("counting").get())
                    .as("the API server holds Mallory to RBAC too")
                    .isInstanceOfSatisfying(KubernetesClientException.class, e -> {
                        assertThat(e.getCode()).isEqualTo(403);
                        assertThat(e.getMessage()).contains("nixbuilds.nixpool.dev \"counting\" is forbidden: User "
                                + "\"mallory\" cannot get resource \"nixbuilds\" in API group \"nixpool.dev\" in "
                                + "the namespace \"" + NS + "\"");
                    });
        }
    }

    private void grantReadingBuilds(String user) {
        client.rbac().roles().inNamespace(NS).resource(new RoleBuilder().withNewMetadata().withName("build-reader")
                .endMetadata().addNewRule().withApiGroups("nixpool.dev").withResources("nixbuilds")
                .withVerbs("get", "list", "watch").endRule().build()).create();
        client.rbac().roleBindings().inNamespace(NS).resource(new RoleBindingBuilder().withNewMetadata()
                .withName(user + "-reads-builds").endMetadata().withNewRoleRef()
                .withApiGroup("rbac.authorization.k8s.io").withKind("Role").withName("build-reader").endRoleRef()
                .addNewSubject().withKind("User").withName(user).endSubject().build()).create();
    }

    /** What docs/logs.md tells an admin to grant: the proxy to the operator's http port, nothing more. */
    private void grantTheProxyToEveryone() {
        client.rbac().roles().inNamespace(OperatorService.NAMESPACE).resource(new RoleBuilder().withNewMetadata()
                .withName("nixpool-log-proxy").endMetadata().addNewRule().withApiGroups("")
                .withResources("services/proxy")
                .withResourceNames(OperatorService.NAME + ":" + OperatorService.PORT_NAME)
                .withVerbs("get").endRule().build()).create();
        client.rbac().roleBindings().inNamespace(OperatorService.NAMESPACE).resource(new RoleBindingBuilder()
                .withNewMetadata().withName("nixpool-log-proxy").endMetadata().withNewRoleRef()
                .withApiGroup("rbac.authorization.k8s.io").withKind("Role").withName("nixpool-log-proxy").endRoleRef()
                .addNewSubject().withKind("Group").withName(UserInfo.AUTHENTICATED).endSubject().build()).create();
    }

    private Path kubeconfig(String user) throws Exception {
        CLUSTER.cluster().apiServer().users().add(user, List.of());
        Path file = dir.resolve(user + ".kubeconfig");
        CLUSTER.cluster().apiServer().writeKubeconfig(file, user);
        return file;
    }

    private Path tokenless() throws Exception {
        Path file = dir.resolve("tokenless.kubeconfig");
        Files.writeString(file, Files.readString(kubeconfig("someone")).replaceAll("token: .*", "username: someone"));
        return file;
    }

    private ProcessResult kubectl(Path kubeconfig, String... args) {
        List<String> command = new ArrayList<>(List.of("kubectl", "--kubeconfig", kubeconfig.toString(),
                "--cache-dir", dir.resolve("kubectl-cache").toString()));
        command.addAll(List.of(args));
        return Processes.run(command, Duration.ofSeconds(60));
    }
}

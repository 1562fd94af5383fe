package dev.nixpool.cli.machines;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;

import dev.nixpool.TestResources;
import dev.nixpool.cli.UsageException;

/** {@code nixpool machines} against an API server: a whole machines file, ssh:// or ssh-ng://. */
class MachinesCommandTest {

    private static final String HOST_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGq7x2C3uVf2x8D8oM4m0nqJ8o1tW2E3b5zq6v7w8x9y gw";
    private static final List<String> PROPERTIES = List.of("kubernetes.master", "kubernetes.namespace",
            "kubernetes.auth.tryKubeConfig", "kubernetes.auth.tryServiceAccount");

    private KubernetesMockServer server;
    private final Map<String, String> saved = new HashMap<>();
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @BeforeEach
    void start() {
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
                new KubernetesCrudDispatcher(), false);
        server.init();
        KubernetesClient client = server.createClient();
        client.resource(TestResources.machine("team-a", "small", 2, List.of("x86_64-linux"), List.of(), List.of()))
                .create();
        client.resource(TestResources.machine("team-a", "vm", 1, List.of("x86_64-linux"), List.of("kvm"),
                List.of("kvm"))).create();
        client.resource(new SecretBuilder().withNewMetadata().withNamespace("nixpool-system")
                .withName(MachinesCommand.DEFAULT_SECRET).endMetadata()
                .addToData("ssh_host_ed25519_key.pub",
                        Base64.getEncoder().encodeToString(HOST_KEY.getBytes(StandardCharsets.UTF_8)))
                .build()).create();
        String url = client.getMasterUrl().toString();
        client.close();
        PROPERTIES.forEach(p -> saved.put(p, System.getProperty(p)));
        System.setProperty("kubernetes.master", url);
        System.setProperty("kubernetes.namespace", "nixpool-system");
        System.setProperty("kubernetes.auth.tryKubeConfig", "false");
        System.setProperty("kubernetes.auth.tryServiceAccount", "false");
    }

    @AfterEach
    void stop() {
        saved.forEach((p, v) -> {
            if (v == null) {
                System.clearProperty(p);
            } else {
                System.setProperty(p, v);
            }
        });
        server.destroy();
    }

    private int run(String... args) throws UsageException {
        return new MachinesCommand().run(List.of(args), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private List<String> lines() {
        return out.toString(StandardCharsets.UTF_8).lines().filter(l -> !l.startsWith("#")).toList();
    }

    @Test
    void printsOneSshLinePerPoolThenAutoByDefault() throws UsageException {
        assertThat(run("gw")).as(err.toString(StandardCharsets.UTF_8)).isZero();
        String b64 = Base64.getEncoder().encodeToString(HOST_KEY.getBytes(StandardCharsets.UTF_8));
        assertThat(lines()).containsExactly("ssh://small@gw x86_64-linux - 2 1 - - " + b64,
                "ssh://vm@gw x86_64-linux - 1 1 kvm kvm " + b64,
                "ssh://auto@gw x86_64-linux - 3 1 kvm - " + b64);
    }

    @Test
    void protocolSshNgPrintsTheSameLinesAsSshNg() throws UsageException {
        assertThat(run("gw", "--protocol", "ssh-ng", "-n", "team-a")).as(err.toString(StandardCharsets.UTF_8))
                .isZero();
        assertThat(lines()).extracting(l -> l.substring(0, l.indexOf(' ')))
                .containsExactly("ssh-ng://small@gw", "ssh-ng://vm@gw", "ssh-ng://auto@gw");
        assertThat(lines()).allSatisfy(l -> assertThat(l).endsWith(
                Base64.getEncoder().encodeToString(HOST_KEY.getBytes(StandardCharsets.UTF_8))));
    }

    @Test
    void anotherProtocolIsAUsageError() {
        assertThatThrownBy(() -> run("gw", "--protocol", "https")).isInstanceOf(UsageException.class)
                .hasMessageContaining("--protocol expects ssh or ssh-ng, got 'https'");
    }
}

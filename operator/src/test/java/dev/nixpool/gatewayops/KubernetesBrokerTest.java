package dev.nixpool.gatewayops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;

import dev.nixpool.MockApiServer;
import dev.nixpool.TestResources;
import dev.nixpool.api.v1alpha1.BuildMachine;
import dev.nixpool.api.v1alpha1.BuildOrigin;
import dev.nixpool.api.v1alpha1.NixBuild;
import dev.nixpool.gateway.BrokerException;
import dev.nixpool.gateway.BuildTicket;
import dev.nixpool.gateway.BuilderLease;
import dev.nixpool.gateway.ClientIdentity;
import dev.nixpool.gateway.GatewayBuild;
import dev.nixpool.gateway.PoolRoute;
import dev.nixpool.nix.derivation.Derivation;
import dev.nixpool.nix.derivation.DerivationOutput;
import dev.nixpool.nix.store.StorePath;
import dev.nixpool.runner.AttachedRuns;
import dev.nixpool.ssh.HostKeys;
import dev.nixpool.ssh.OpenSshKeyPair;
import dev.nixpool.ssh.SshKeyGenerator;

/** Authorisation from labelled ConfigMaps, routing by SSH user, and the NixBuild a client build becomes. */
class KubernetesBrokerTest {

    private static final String DRV = "/nix/store/0123456789abcdfghijklmnpqrsvwxyz-hello-2.12.drv";

    @RegisterExtension
    final MockApiServer api = new MockApiServer();
    private final KubernetesClient client = api.client();
    private final AttachedRuns attached = new AttachedRuns();
    private final OpenSshKeyPair alice = SshKeyGenerator.generateEd25519("alice@laptop");
    private final OpenSshKeyPair bob = SshKeyGenerator.generateEd25519("bob@laptop");
    private ClientIdentity aliceId;
    private ClientIdentity bobId;
    private KubernetesBroker broker;

    @BeforeEach
    void start() throws Exception {
        aliceId = new ClientIdentity("alice", HostKeys.fingerprint(HostKeys.parse(alice.publicKey())));
        bobId = new ClientIdentity("bob", HostKeys.fingerprint(HostKeys.parse(bob.publicKey())));
        client.resource(TestResources.machine("team-a", "small", 2, List.of("x86_64-linux"), List.of(), List.of()))
                .create();
        client.resource(TestResources.machine("team-a", "vm", 2, List.of("x86_64-linux"), List.of("kvm"),
                List.of())).create();
        client.resource(TestResources.machine("team-b", "small", 2, List.of("x86_64-linux"), List.of(), List.of()))
                .create();
        client.resource(grant("team-a", Map.of("alice.pub", alice.publicKey(), "bob.pub", bob.publicKey(),
                "pools", "small"))).create();
        client.resource(grant("team-b", Map.of("laptop.pub", alice.publicKey()))).create();
        broker = new KubernetesBroker(client, this::grants,
                () -> client.resources(BuildMachine.class).inAnyNamespace().list().getItems(), attached,
                () -> false, new TicketSettings(Duration.ofMillis(100)));
    }

    private ClientGrants grants() {
        return ClientGrants.of(client.configMaps().inAnyNamespace().withLabel(ClientGrants.LABEL, "true").list()
                .getItems());
    }

    private static ConfigMap grant(String namespace, Map<String, String> data) {
        return new ConfigMapBuilder().withNewMetadata().withNamespace(namespace).withName("nix-clients")
                .addToLabels(ClientGrants.LABEL, "true").endMetadata().withData(data).build();
    }

    @Test
    void aKeyReachesOnlyThePoolsOfNamespacesThatAuthoriseIt() {
        assertThat(broker.pools(aliceId)).extracting(PoolRoute::toString)
                .containsExactly("team-a/small", "team-b/small");
        assertThat(broker.pools(bobId)).extracting(PoolRoute::toString).containsExactly("team-a/small");
        assertThat(broker.pools(new ClientIdentity("mallory", "SHA256:nobody"))).isEmpty();
    }

    @Test
    void aPoolNameInSeveralNamespacesMustBeQualified() throws BrokerException {
        assertThatThrownBy(() -> broker.route(aliceId, "small")).isInstanceOf(BrokerException.class)
                .hasMessageContaining("team-a.small");
        assertThat(broker.route(aliceId, "team-b.small")).map(PoolRoute::toString).contains("team-b/small");
        assertThat(broker.route(bobId, "small")).map(PoolRoute::toString).contains("team-a/small");
        assertThat(broker.route(bobId, "team-b.small")).isEmpty();
        assertThat(broker.route(aliceId, "team-a.vm")).as("not in team-a's pools list").isEmpty();
    }

    @Test
    void aClientBuildIsALabelledNixBuildInThePoolsNamespaceRegisteredBeforeItExists() throws Exception {
        PoolRoute pool = broker.route(bobId, "small").orElseThrow();
        TreeMap<String, DerivationOutput> outputs = new TreeMap<>();
        outputs.put("out", new DerivationOutput("/nix/store/0123456789abcdfghijklmnpqrsvwxyz-hello-2.12", "", ""));
        Derivation drv = new Derivation(outputs, new TreeMap<>(), new TreeSet<>(), "x86_64-linux", "/bin/sh",
                List.of(), new TreeMap<>());
        BuildTicket ticket = broker.submit(bobId, pool, new GatewayBuild(StorePath.parse(DRV), drv, Set.of()));

        List<NixBuild> builds = client.resources(NixBuild.class).inNamespace("team-a").list().getItems();
        assertThat(builds).singleElement().satisfies(b -> {
            assertThat(b.getMetadata().getName()).startsWith("gw-small-");
            assertThat(b.getMetadata().getLabels()).containsEntry(BuildOrigin.LABEL, BuildOrigin.GATEWAY)
                    .containsEntry(BuildOrigin.CLIENT_KEY_LABEL, "bob");
            assertThat(b.getSpec().getDerivation()).isEqualTo(DRV);
            assertThat(b.getSpec().getMachine()).isEqualTo("small");
            assertThat(b.getSpec().getRetries()).isZero();
            assertThat(attached.driver("team-a", b.getMetadata().getName())).isPresent();
        });
        assertThat(ticket.description()).isEqualTo("NixBuild team-a/" + builds.get(0).getMetadata().getName());

        ticket.close();
        assertThat(client.resources(NixBuild.class).inNamespace("team-a").list().getItems())
                .as("a client gone before its build got a builder leaves nothing behind").isEmpty();
        assertThat(attached.driver("team-a", builds.get(0).getMetadata().getName())).isEmpty();
    }

    /** The early builder for a client's uploads is only ever one of a pool the client may use, and only the leader's. */
    @Test
    void aLikelyBuilderIsGuessedOnlyForAPoolTheClientMayUseOnTheLeader() {
        List<String> asked = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.concurrent.atomic.AtomicBoolean standby = new java.util.concurrent.atomic.AtomicBoolean();
        BuilderLease lease = new BuilderLease("team-a/small-0", "127.0.0.5", 22, "nixpool", "key", "host");
        KubernetesBroker guessing = new KubernetesBroker(client, this::grants,
                () -> client.resources(BuildMachine.class).inAnyNamespace().list().getItems(), attached,
                standby::get, new TicketSettings(Duration.ofMillis(100)), (namespace, pool) -> {
                    asked.add(namespace + "/" + pool);
                    return Optional.of(lease);
                });
        PoolRoute small = guessing.pools(aliceId).get(0);
        PoolRoute vm = new PoolRoute("team-a", "vm", List.of("x86_64-linux"), List.of("kvm"), List.of());

        assertThat(guessing.likelyBuilder(aliceId, small)).contains(lease);
        assertThat(guessing.likelyBuilder(aliceId, vm)).as("team-a lets alice's key use 'small' only").isEmpty();
        standby.set(true);
        assertThat(guessing.likelyBuilder(aliceId, small)).as("a standby places nothing").isEmpty();
        assertThat(asked).containsExactly("team-a/small");
    }

    @Test
    void aConfigMapEntryThatIsNoKeyIsReportedAndTheRestStillCounts() {
        ClientGrants parsed = ClientGrants.of(List.of(grant("team-c", Map.of("broken.pub", "ssh-ed25519 nope",
                "carol.pub", alice.publicKey(), "pools", "a, b"))));
        assertThat(parsed.problems()).singleElement().asString().contains("team-c/nix-clients")
                .contains("broken.pub");
        assertThat(parsed.size()).isEqualTo(1);
        assertThat(parsed.ofFingerprint(aliceId.fingerprint())).singleElement()
                .satisfies(g -> assertThat(g.pools()).containsExactlyInAnyOrder("a", "b"));
    }
}

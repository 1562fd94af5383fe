package dev.nixpool.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;

import dev.nixpool.Names;
import dev.nixpool.TestConfig;
import dev.nixpool.TestResources;
import dev.nixpool.api.v1alpha1.BuildMachine;
import dev.nixpool.remote.BuilderCredentials;

/**
 * A builder's keys are read from its Secret once: the dispatch of a build to a warm builder (whose keys the warming of
 * its kept connection read) costs no API call; a builder deleted or made again under its name reads them afresh.
 */
class BuilderProvisionerKeysTest {

    private static final String NS = "ns";
    private static final String POD = "warm-0-abcde";

    private final InMemoryBuilderResources stored = new InMemoryBuilderResources();
    private final AtomicInteger secretReads = new AtomicInteger();
    private final BuilderProvisioner provisioner = new BuilderProvisioner(new CountingReads(),
            TestConfig.nixpool(Map.of()));
    private final BuildMachine pool = TestResources.machine(NS, "warm", 2, List.of("x86_64-linux"), List.of(),
            List.of());

    @Test
    void keysAreReadFromTheSecretOnceAndServedFromMemoryAfterwards() {
        provisioner.create(pool, POD, 0, Map.of());
        int afterCreate = secretReads.get();

        Optional<BuilderCredentials> first = provisioner.credentials(NS, POD);
        Optional<BuilderCredentials> second = provisioner.credentials(NS, POD);

        assertThat(first).isPresent();
        assertThat(second).contains(first.get());
        assertThat(secretReads.get() - afterCreate).as("one read for both").isEqualTo(1);
    }

    @Test
    void keysOnceReadStayTheBuildersOwnEvenIfItsSecretGoesLater() {
        provisioner.create(pool, POD, 0, Map.of());
        BuilderCredentials read = provisioner.credentials(NS, POD).orElseThrow();

        stored.deleteSecret(NS, Names.keySecretName(POD));

        assertThat(provisioner.credentials(NS, POD)).as("the running builder's sshd still has these").contains(read);
    }

    @Test
    void aSecretMissingBeforeTheFirstReadIsStillReportedMissing() {
        provisioner.create(pool, POD, 0, Map.of());
        stored.deleteSecret(NS, Names.keySecretName(POD));

        assertThat(provisioner.credentials(NS, POD)).isEmpty();
    }

    @Test
    void aDeletedBuilderMadeAgainUnderItsNameGetsItsNewKeys() {
        provisioner.create(pool, POD, 0, Map.of());
        BuilderCredentials old = provisioner.credentials(NS, POD).orElseThrow();

        provisioner.delete(NS, POD);
        provisioner.create(pool, POD, 0, Map.of());

        BuilderCredentials fresh = provisioner.credentials(NS, POD).orElseThrow();
        assertThat(fresh).isNotEqualTo(old);
        assertThat(fresh.clientPrivateKey()).isNotEqualTo(old.clientPrivateKey());
    }

    @Test
    void aBuilderCreatedAgainWithoutTheOperatorDeletingItReadsItsSecretAgain() {
        provisioner.create(pool, POD, 0, Map.of());
        provisioner.credentials(NS, POD).orElseThrow();
        // the pod and its Secret went without the operator (kubectl delete), then the slot is filled again
        stored.deletePod(NS, POD);
        stored.deleteSecret(NS, Names.keySecretName(POD));
        provisioner.create(pool, POD, 0, Map.of());
        int before = secretReads.get();

        provisioner.credentials(NS, POD).orElseThrow();

        assertThat(secretReads.get() - before).isEqualTo(1);
    }

    /** The in-memory API server, counting Secret reads (each one an API call in the operator). */
    private final class CountingReads implements BuilderResources {

        @Override
        public Optional<Pod> pod(String namespace, String name) {
            return stored.pod(namespace, name);
        }

        @Override
        public Optional<Secret> secret(String namespace, String name) {
            secretReads.incrementAndGet();
            return stored.secret(namespace, name);
        }

        @Override
        public Optional<PersistentVolumeClaim> claim(String namespace, String name) {
            return stored.claim(namespace, name);
        }

        @Override
        public List<Pod> podsOfMachine(String namespace, String machineLabel) {
            return stored.podsOfMachine(namespace, machineLabel);
        }

        @Override
        public List<Secret> secretsOfMachine(String namespace, String machineLabel) {
            return stored.secretsOfMachine(namespace, machineLabel);
        }

        @Override
        public List<PersistentVolumeClaim> claimsOfMachine(String namespace, String machineLabel) {
            return stored.claimsOfMachine(namespace, machineLabel);
        }

        @Override
        public boolean create(HasMetadata resource) {
            return stored.create(resource);
        }

        @Override
        public void labelPod(String namespace, String name, Map<String, String> labels) {
            stored.labelPod(namespace, name, labels);
        }

        @Override
        public void deletePod(String namespace, String name) {
            stored.deletePod(namespace, name);
        }

        @Override
        public void deleteSecret(String namespace, String name) {
            stored.deleteSecret(namespace, name);
        }

        @Override
        public void deleteClaim(String namespace, String name) {
            stored.deleteClaim(namespace, name);
        }
    }
}

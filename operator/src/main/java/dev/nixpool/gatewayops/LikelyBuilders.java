package dev.nixpool.gatewayops;

import java.util.Optional;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

import dev.nixpool.gateway.BuilderLease;
import dev.nixpool.lifecycle.BuilderProvisioner;
import dev.nixpool.lifecycle.CapacityLedger;
import dev.nixpool.remote.BuilderCredentials;

/**
 * Where a named pool's next build will most likely run, for the gateway to stream a client's uploads there early: the
 * ledger's guess ({@link CapacityLedger#likelyBuilder}), the pod's address now and its keys (read once per builder).
 * Decides nothing and claims nothing; any doubt (no idle builder, the pod not Ready or gone, no keys) is no guess.
 */
final class LikelyBuilders {

    /** Where a pool's likely builder is. */
    @FunctionalInterface
    interface Guess {
        Optional<BuilderLease> of(String namespace, String pool);
    }

    private final KubernetesClient client;
    private final CapacityLedger ledger;
    private final BuilderProvisioner provisioner;
    private final String sshUser;
    private final int sshPort;

    LikelyBuilders(KubernetesClient client, CapacityLedger ledger, BuilderProvisioner provisioner, String sshUser,
            int sshPort) {
        this.client = client;
        this.ledger = ledger;
        this.provisioner = provisioner;
        this.sshUser = sshUser;
        this.sshPort = sshPort;
    }

    Optional<BuilderLease> of(String namespace, String pool) {
        Optional<String> name = ledger.likelyBuilder(namespace, pool);
        if (name.isEmpty()) {
            return Optional.empty();
        }
        Pod pod;
        try {
            pod = client.pods().inNamespace(namespace).withName(name.get()).get();
        } catch (KubernetesClientException e) {
            return Optional.empty();
        }
        if (pod == null || pod.getMetadata().getDeletionTimestamp() != null || !ready(pod)) {
            return Optional.empty();
        }
        Optional<BuilderCredentials> keys = provisioner.credentials(namespace, name.get());
        return keys.map(k -> new BuilderLease(namespace + "/" + name.get(), pod.getStatus().getPodIP(), sshPort,
                sshUser, k.clientPrivateKey(), k.hostPublicKey()));
    }

    private static boolean ready(Pod pod) {
        return pod.getStatus() != null && pod.getStatus().getPodIP() != null && pod.getStatus().getConditions() != null
                && pod.getStatus().getConditions().stream()
                        .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }
}

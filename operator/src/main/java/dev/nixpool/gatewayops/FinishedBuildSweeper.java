package dev.nixpool.gatewayops;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.jboss.logging.Logger;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

import dev.nixpool.api.v1alpha1.BuildOrigin;
import dev.nixpool.api.v1alpha1.NixBuild;

/**
 * Deletes gateway builds a TTL after they finished, as Kubernetes Jobs' {@code ttlSecondsAfterFinished} does: every
 * client build is a NixBuild, and without this they would fill etcd. Builds created with kubectl are left alone.
 */
final class FinishedBuildSweeper {

    private static final Logger LOG = Logger.getLogger(FinishedBuildSweeper.class);

    private final KubernetesClient client;
    private final Duration ttl;

    FinishedBuildSweeper(KubernetesClient client, Duration ttl) {
        this.client = client;
        this.ttl = ttl;
    }

    /** Deletes what is due at {@code now}; returns how many. */
    int sweep(Instant now) {
        List<NixBuild> builds = client.resources(NixBuild.class).inAnyNamespace()
                .withLabel(BuildOrigin.LABEL, BuildOrigin.GATEWAY).list().getItems();
        int deleted = 0;
        for (NixBuild b : builds) {
            if (due(b, now, ttl)) {
                try {
                    client.resource(b).delete();
                    deleted++;
                } catch (KubernetesClientException e) {
                    LOG.debugf("cannot delete finished gateway build %s/%s: %s", b.getMetadata().getNamespace(),
                            b.getMetadata().getName(), e.getMessage());
                }
            }
        }
        return deleted;
    }

    static boolean due(NixBuild b, Instant now, Duration ttl) {
        if (b.getStatus() == null || b.getStatus().getPhase() == null || !b.getStatus().getPhase().isFinal()
                || b.getStatus().getCompletionTime() == null) {
            return false;
        }
        return !now.isBefore(Instant.parse(b.getStatus().getCompletionTime()).plus(ttl));
    }
}

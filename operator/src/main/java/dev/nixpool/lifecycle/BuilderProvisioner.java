package dev.nixpool.lifecycle;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;

import dev.nixpool.Names;
import dev.nixpool.api.v1alpha1.BuildMachine;
import dev.nixpool.builder.BuilderPodRenderer;
import dev.nixpool.builder.KeySecretRenderer;
import dev.nixpool.builder.StoreClaimRenderer;
import dev.nixpool.config.BuilderDefaults;
import dev.nixpool.config.NixpoolConfig;
import dev.nixpool.remote.BuilderCredentials;

/**
 * Creates a pool builder's key Secret, store claim (if the pool has a template) and pod, each only if absent (looked up
 * on the API server, not in a cache that may lag): a repeated call creates nothing twice (a 409 on create is an earlier
 * call having been quicker) and keys are never regenerated. The Secret comes first so the pod never starts without its
 * keys, and goes again when the API server refuses the claim or the pod. Deleting a builder deletes its pod and Secret; store claims stay with their slot until the pool is deleted.
 */
@ApplicationScoped
public class BuilderProvisioner {

    private static final Logger LOG = Logger.getLogger(BuilderProvisioner.class);
    private static final String KEY_SECRET_SUFFIX = Names.keySecretName("");

    private final BuilderResources resources;
    private final BuilderDefaults defaults;
    private final BuilderKeysCache keys = new BuilderKeysCache();

    public BuilderProvisioner(BuilderResources resources, NixpoolConfig config) {
        this.resources = resources;
        this.defaults = BuilderDefaults.from(config);
    }

    /**
     * Creates builder {@code podName} in {@code slot} of {@code machine}.
     *
     * @param claimLabels labels of the build it is created for (ephemeral pools), else empty
     * @return whether this call created the pod
     * @throws CreateRejectedException when the API server refuses the Secret, the claim or the pod
     */
    public boolean create(BuildMachine machine, String podName, int slot, Map<String, String> claimLabels) {
        String namespace = machine.getMetadata().getNamespace();
        // a pod made under this name again reads its keys afresh
        keys.forget(namespace, podName);
        if (resources.secret(namespace, Names.keySecretName(podName)).isEmpty()) {
            resources.create(KeySecretRenderer.renderWithNewKeys(machine, podName, slot));
        }
        boolean created;
        try {
            if (BuilderPodRenderer.hasStoreClaim(machine.getSpec()) && resources
                    .claim(namespace, Names.storeClaimName(machine.getMetadata().getName(), slot)).isEmpty()) {
                resources.create(StoreClaimRenderer.render(machine, slot));
            }
            if (findPod(namespace, podName).isPresent()) {
                return false;
            }
            created = resources.create(BuilderPodRenderer.render(machine, podName, slot, claimLabels, defaults));
        } catch (CreateRejectedException e) {
            // the pod does not exist and this name is retired with the refusal: nobody would use or delete its keys.
            // Other failures (5xx, timeouts) keep them: the reconcile's retry creates the same pod, and a create that
            // timed out may have made it after all.
            resources.deleteSecret(namespace, Names.keySecretName(podName));
            throw e;
        }
        if (created) {
            LOG.infof("created builder pod %s/%s in slot %d of BuildMachine %s", namespace, podName, slot,
                    machine.getMetadata().getName());
        }
        return created;
    }

    /** Marks an existing ephemeral builder as the build's (see {@link Names#claimLabels}). */
    public void claim(String namespace, String podName, Map<String, String> claimLabels) {
        resources.labelPod(namespace, podName, claimLabels);
    }

    /**
     * The operator's half of a builder's keys, from its Secret; empty while the Secret is missing or incomplete. Read
     * once per builder ({@link BuilderKeysCache}): the warming of a builder's kept connection reads them before its
     * first build is dispatched.
     */
    public Optional<BuilderCredentials> credentials(String namespace, String podName) {
        Optional<BuilderCredentials> known = keys.get(namespace, podName);
        if (known.isPresent()) {
            return known;
        }
        Secret secret = resources.secret(namespace, Names.keySecretName(podName)).orElse(null);
        if (secret == null || secret.getData() == null) {
            return Optional.empty();
        }
        String clientKey = secret.getData().get(Names.KEY_CLIENT_PRIVATE);
        String hostKey = secret.getData().get(Names.KEY_HOST_PUBLIC);
        if (clientKey == null || hostKey == null) {
            return Optional.empty();
        }
        BuilderCredentials read = new BuilderCredentials(decode(clientKey), decode(hostKey).trim());
        keys.put(namespace, podName, read);
        return Optional.of(read);
    }

    /** Deletes one builder's pod and key Secret; what is already gone is fine. */
    public void delete(String namespace, String podName) {
        keys.forget(namespace, podName);
        resources.deletePod(namespace, podName);
        resources.deleteSecret(namespace, Names.keySecretName(podName));
    }

    /**
     * What is left of a pool being deleted once its builders are drained: key Secrets without a pod and the store
     * claims. True when nothing is left.
     */
    public boolean deleteRemains(BuildMachine machine) {
        String namespace = machine.getMetadata().getNamespace();
        String label = Names.labelValue(machine.getMetadata().getName());
        if (!resources.podsOfMachine(namespace, label).isEmpty()) {
            return false;
        }
        resources.secretsOfMachine(namespace, label)
                .forEach(s -> resources.deleteSecret(namespace, s.getMetadata().getName()));
        resources.claimsOfMachine(namespace, label)
                .forEach(c -> resources.deleteClaim(namespace, c.getMetadata().getName()));
        return true;
    }

    /**
     * Deletes the pool's key Secrets created before {@code createdBefore} (when this replica began deciding: its start,
     * or when it took the Lease) whose pod neither exists (in {@code pods}, the cache, nor on the API server) nor is
     * being started by this replica ({@code decidedHere}): a predecessor was killed or lost the Lease between creating a
     * builder's Secret and its pod (or between deleting them), and nobody would ever use or delete that Secret. Secrets
     * made since are left alone: their pod may not be cached yet. Only the leader calls this (JOSDK reconciles nothing
     * on a standby).
     *
     * @return the names of the Secrets deleted
     */
    public List<String> deleteOrphanSecrets(BuildMachine machine, List<Pod> pods, Predicate<String> decidedHere,
            Instant createdBefore) {
        String namespace = machine.getMetadata().getNamespace();
        Set<String> podNames = pods.stream().map(p -> p.getMetadata().getName()).collect(Collectors.toSet());
        List<String> deleted = new ArrayList<>();
        for (Secret secret : resources.secretsOfMachine(namespace,
                Names.labelValue(machine.getMetadata().getName()))) {
            String name = secret.getMetadata().getName();
            String pod = name.endsWith(KEY_SECRET_SUFFIX)
                    ? name.substring(0, name.length() - KEY_SECRET_SUFFIX.length())
                    : null;
            String created = secret.getMetadata().getCreationTimestamp();
            if (pod != null && created != null && Instant.parse(created).isBefore(createdBefore)
                    && !podNames.contains(pod) && !decidedHere.test(pod)
                    // the one read that settles it: a cache may lag behind a pod created just before
                    && resources.pod(namespace, pod).isEmpty()) {
                resources.deleteSecret(namespace, name);
                deleted.add(name);
            }
        }
        if (!deleted.isEmpty()) {
            LOG.infof("deleted key Secret(s) %s of BuildMachine %s/%s: their builder pods do not exist", deleted,
                    namespace, machine.getMetadata().getName());
        }
        return deleted;
    }

    public Optional<Pod> findPod(String namespace, String podName) {
        return resources.pod(namespace, podName);
    }

    private static String decode(String base64) {
        return new String(Base64.getDecoder().decode(base64), StandardCharsets.UTF_8);
    }
}

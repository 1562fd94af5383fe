package dev.nixpool.lifecycle;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;

import dev.nixpool.Names;
import dev.nixpool.api.v1alpha1.BuildMachine;
import dev.nixpool.api.v1alpha1.NixBuild;
import dev.nixpool.builder.BuilderPodRenderer;
import dev.nixpool.builder.KeySecretRenderer;
import dev.nixpool.config.BuilderDefaults;
import dev.nixpool.config.NixpoolConfig;
import dev.nixpool.remote.BuilderCredentials;

/**
 * Creates a build attempt's key Secret and then its builder pod, each only if absent (looked up by its deterministic
 * name on the API server, not in a cache that may lag): an operator restart or a repeated reconcile finds what exists
 * and creates nothing twice (a 409 on create is someone, an earlier run of ours, having been quicker), and the keys are
 * never regenerated. The Secret comes first so the pod never starts without its keys.
 */
@ApplicationScoped
public class BuilderProvisioner {

    private static final Logger LOG = Logger.getLogger(BuilderProvisioner.class);

    /** The builder pod of the attempt, and whether this call created it. */
    public record Provisioned(String podName, boolean created) {
    }

    private final BuilderResources resources;
    private final BuilderDefaults defaults;

    public BuilderProvisioner(BuilderResources resources, NixpoolConfig config) {
        this.resources = resources;
        this.defaults = BuilderDefaults.from(config);
    }

    /** @throws CreateRejectedException when the API server refuses the Secret or the pod */
    public Provisioned ensure(NixBuild build, BuildMachine machine, int attempt) {
        String namespace = build.getMetadata().getNamespace();
        String podName = Names.builderPodName(build.getMetadata().getName(), attempt);
        String secretName = Names.keySecretName(podName);
        if (resources.secret(namespace, secretName).isEmpty()) {
            resources.create(KeySecretRenderer.renderWithNewKeys(build, podName, machine.getMetadata().getName(),
                    attempt));
        }
        boolean created = false;
        if (findPod(namespace, podName).isEmpty()) {
            created = resources.create(BuilderPodRenderer.render(build, machine, attempt, defaults));
            if (created) {
                LOG.infof("created builder pod %s/%s for NixBuild %s on BuildMachine %s", namespace, podName,
                        build.getMetadata().getName(), machine.getMetadata().getName());
            }
        }
        return new Provisioned(podName, created);
    }

    /** The operator's half of a builder's keys, from its Secret; empty while the Secret is missing or incomplete. */
    public Optional<BuilderCredentials> credentials(String namespace, String podName) {
        Secret secret = resources.secret(namespace, Names.keySecretName(podName)).orElse(null);
        if (secret == null || secret.getData() == null) {
            return Optional.empty();
        }
        String clientKey = secret.getData().get(Names.KEY_CLIENT_PRIVATE);
        String hostKey = secret.getData().get(Names.KEY_HOST_PUBLIC);
        if (clientKey == null || hostKey == null) {
            return Optional.empty();
        }
        return Optional.of(new BuilderCredentials(decode(clientKey), decode(hostKey).trim()));
    }

    /** Deletes one attempt's builder pod and key Secret; what is already gone is fine. */
    public void delete(String namespace, String podName) {
        resources.deletePod(namespace, podName);
        resources.deleteSecret(namespace, Names.keySecretName(podName));
    }

    /**
     * Deletes every builder pod and key Secret of the build, any attempt (listed by label, checked by owner uid): the
     * mock and real clusters alike, instead of waiting for a garbage collector.
     */
    public void deleteAll(NixBuild build) {
        String namespace = build.getMetadata().getNamespace();
        String buildLabel = Names.labelValue(build.getMetadata().getName());
        String uid = build.getMetadata().getUid();
        resources.podsOfBuild(namespace, buildLabel).stream()
                .filter(pod -> BuilderPods.isOwnedBy(pod, uid))
                .forEach(pod -> resources.deletePod(namespace, pod.getMetadata().getName()));
        resources.secretsOfBuild(namespace, buildLabel).stream()
                .filter(secret -> BuilderPods.isOwnedBy(secret, uid))
                .forEach(secret -> resources.deleteSecret(namespace, secret.getMetadata().getName()));
    }

    private static String decode(String base64) {
        return new String(Base64.getDecoder().decode(base64), StandardCharsets.UTF_8);
    }

    public Optional<Pod> findPod(String namespace, String podName) {
        return resources.pod(namespace, podName);
    }
}

package dev.nixpool.lifecycle;

import java.net.HttpURLConnection;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.stream.Stream;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

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
 * and creates nothing twice, and the keys are never regenerated. The Secret comes first so the pod never starts without
 * its keys.
 */
@ApplicationScoped
public class BuilderProvisioner {

    private static final Logger LOG = Logger.getLogger(BuilderProvisioner.class);

    /** The builder pod of the attempt, and whether this call created it. */
    public record Provisioned(String podName, boolean created) {
    }

    private final KubernetesClient client;
    private final BuilderDefaults defaults;

    public BuilderProvisioner(KubernetesClient client, NixpoolConfig config) {
        this.client = client;
        this.defaults = BuilderDefaults.from(config);
    }

    public Provisioned ensure(NixBuild build, BuildMachine machine, int attempt) {
        String namespace = build.getMetadata().getNamespace();
        String podName = Names.builderPodName(build.getMetadata().getName(), attempt);
        String secretName = Names.keySecretName(podName);
        if (client.secrets().inNamespace(namespace).withName(secretName).get() == null) {
            createIfAbsent(() -> KeySecretRenderer.renderWithNewKeys(build, podName, machine.getMetadata().getName(),
                    attempt));
        }
        boolean created = false;
        if (findPod(namespace, podName).isEmpty()) {
            created = createIfAbsent(() -> BuilderPodRenderer.render(build, machine, attempt, defaults));
            if (created) {
                LOG.infof("created builder pod %s/%s for NixBuild %s on BuildMachine %s", namespace, podName,
                        build.getMetadata().getName(), machine.getMetadata().getName());
            }
        }
        return new Provisioned(podName, created);
    }

    /** The operator's half of a builder's keys, from its Secret; empty while the Secret is missing or incomplete. */
    public Optional<BuilderCredentials> credentials(String namespace, String podName) {
        Secret secret = client.secrets().inNamespace(namespace).withName(Names.keySecretName(podName)).get();
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
        client.pods().inNamespace(namespace).withName(podName).delete();
        client.secrets().inNamespace(namespace).withName(Names.keySecretName(podName)).delete();
    }

    /**
     * Deletes every builder pod and key Secret of the build, any attempt (listed by label, checked by owner uid): the
     * mock and real clusters alike, instead of waiting for a garbage collector.
     */
    public void deleteAll(NixBuild build) {
        String namespace = build.getMetadata().getNamespace();
        String buildLabel = Names.labelValue(build.getMetadata().getName());
        String uid = build.getMetadata().getUid();
        List<Pod> pods = client.pods().inNamespace(namespace).withLabel(Names.LABEL_BUILD, buildLabel).list()
                .getItems();
        List<Secret> secrets = client.secrets().inNamespace(namespace).withLabel(Names.LABEL_BUILD, buildLabel).list()
                .getItems();
        Stream.concat(pods.stream(), secrets.stream())
                .filter(owned -> BuilderPods.isOwnedBy(owned, uid))
                .forEach(owned -> client.resource((HasMetadata) owned).delete());
    }

    private static String decode(String base64) {
        return new String(Base64.getDecoder().decode(base64), StandardCharsets.UTF_8);
    }

    public Optional<Pod> findPod(String namespace, String podName) {
        return Optional.ofNullable(client.pods().inNamespace(namespace).withName(podName).get());
    }

    /** A 409 means someone (an earlier run of ours) created it between our look-up and our create: that is fine. */
    private boolean createIfAbsent(Supplier<? extends HasMetadata> render) {
        try {
            client.resource(render.get()).create();
            return true;
        } catch (KubernetesClientException e) {
            if (e.getCode() == HttpURLConnection.HTTP_CONFLICT) {
                return false;
            }
            throw e;
        }
    }
}

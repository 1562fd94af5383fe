package dev.nixpool.reconcile;

import java.net.HttpURLConnection;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;

import dev.nixpool.Names;
import dev.nixpool.lifecycle.BuilderResources;
import dev.nixpool.lifecycle.CreateRejectedException;

/** {@link BuilderResources} on the API server, through the Fabric8 client. */
@ApplicationScoped
public class KubernetesBuilderResources implements BuilderResources {

    private final KubernetesClient client;

    public KubernetesBuilderResources(KubernetesClient client) {
        this.client = client;
    }

    @Override
    public Optional<Pod> pod(String namespace, String name) {
        return Optional.ofNullable(client.pods().inNamespace(namespace).withName(name).get());
    }

    @Override
    public Optional<Secret> secret(String namespace, String name) {
        return Optional.ofNullable(client.secrets().inNamespace(namespace).withName(name).get());
    }

    @Override
    public Optional<PersistentVolumeClaim> claim(String namespace, String name) {
        return Optional.ofNullable(client.persistentVolumeClaims().inNamespace(namespace).withName(name).get());
    }

    @Override
    public List<Pod> podsOfMachine(String namespace, String machineLabel) {
        return client.pods().inNamespace(namespace).withLabelSelector(Names.BUILDER_SELECTOR)
                .withLabel(Names.LABEL_MACHINE, machineLabel).list().getItems();
    }

    @Override
    public List<Secret> secretsOfMachine(String namespace, String machineLabel) {
        return client.secrets().inNamespace(namespace).withLabelSelector(Names.BUILDER_SELECTOR)
                .withLabel(Names.LABEL_MACHINE, machineLabel).list().getItems();
    }

    @Override
    public List<PersistentVolumeClaim> claimsOfMachine(String namespace, String machineLabel) {
        return client.persistentVolumeClaims().inNamespace(namespace).withLabelSelector(Names.BUILDER_SELECTOR)
                .withLabel(Names.LABEL_MACHINE, machineLabel).list().getItems();
    }

    /** A 409 is fine (created since we looked); see {@link CreateRejectedException#isRefusal} for the rest. */
    @Override
    public boolean create(HasMetadata resource) {
        try {
            client.resource(resource).create();
            return true;
        } catch (KubernetesClientException e) {
            int code = e.getCode();
            if (code == HttpURLConnection.HTTP_CONFLICT) {
                return false;
            }
            if (CreateRejectedException.isRefusal(code)) {
                String message = e.getStatus() != null && e.getStatus().getMessage() != null
                        ? e.getStatus().getMessage()
                        : e.getMessage();
                throw new CreateRejectedException(resource.getKind(), resource.getMetadata().getName(), code, message);
            }
            throw e;
        }
    }

    @Override
    public void labelPod(String namespace, String name, Map<String, String> labels) {
        try {
            // one merge patch: no read, and no conflict with the kubelet's status writes
            String patch = Serialization.asJson(Map.of("metadata", Map.of("labels", labels)));
            client.pods().inNamespace(namespace).withName(name)
                    .patch(PatchContext.of(PatchType.JSON_MERGE), patch);
        } catch (KubernetesClientException e) {
            if (e.getCode() != HttpURLConnection.HTTP_NOT_FOUND) {
                throw e;
            }
        }
    }

    @Override
    public void deleteClaim(String namespace, String name) {
        client.persistentVolumeClaims().inNamespace(namespace).withName(name).delete();
    }

    @Override
    public void deletePod(String namespace, String name) {
        client.pods().inNamespace(namespace).withName(name).delete();
    }

    @Override
    public void deleteSecret(String namespace, String name) {
        client.secrets().inNamespace(namespace).withName(name).delete();
    }
}

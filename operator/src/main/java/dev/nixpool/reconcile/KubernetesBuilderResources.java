package dev.nixpool.reconcile;

import java.net.HttpURLConnection;
import java.util.List;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

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
    public List<Pod> podsOfBuild(String namespace, String buildLabel) {
        return client.pods().inNamespace(namespace).withLabel(Names.LABEL_BUILD, buildLabel).list().getItems();
    }

    @Override
    public List<Secret> secretsOfBuild(String namespace, String buildLabel) {
        return client.secrets().inNamespace(namespace).withLabel(Names.LABEL_BUILD, buildLabel).list().getItems();
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
    public void deletePod(String namespace, String name) {
        client.pods().inNamespace(namespace).withName(name).delete();
    }

    @Override
    public void deleteSecret(String namespace, String name) {
        client.secrets().inNamespace(namespace).withName(name).delete();
    }
}

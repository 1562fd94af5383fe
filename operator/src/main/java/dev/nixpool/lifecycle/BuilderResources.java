package dev.nixpool.lifecycle;

import java.util.List;
import java.util.Optional;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;

/**
 * Everything the lifecycle does to the cluster: builder pods and key Secrets, read from the API server (not a cache that
 * may lag), created and deleted. Narrow so that the lifecycle runs against an in-memory fake in tests; the real one is
 * {@code reconcile.KubernetesBuilderResources}.
 */
public interface BuilderResources {

    Optional<Pod> pod(String namespace, String name);

    Optional<Secret> secret(String namespace, String name);

    /** The pods of a build (by its {@code nixpool.dev/build} label value), any attempt. */
    List<Pod> podsOfBuild(String namespace, String buildLabel);

    List<Secret> secretsOfBuild(String namespace, String buildLabel);

    /**
     * Creates a pod or Secret.
     *
     * @return false when it exists already (someone, an earlier run of ours, created it since we looked)
     * @throws CreateRejectedException when the API server refuses it (quota, Pod Security, an invalid object): asking
     *         again would get the same answer
     */
    boolean create(HasMetadata resource);

    /** Deletes a pod; one already gone is fine. */
    void deletePod(String namespace, String name);

    /** Deletes a Secret; one already gone is fine. */
    void deleteSecret(String namespace, String name);
}

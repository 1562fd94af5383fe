package dev.nixpool.lifecycle;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;

/**
 * Everything the operator does to builders in the cluster: pods, key Secrets and store claims, read from the API server
 * (not a cache that may lag), created, labelled and deleted. Narrow so that the lifecycle and the pools run against an
 * in-memory fake in tests; the real one is {@code reconcile.KubernetesBuilderResources}.
 */
public interface BuilderResources {

    Optional<Pod> pod(String namespace, String name);

    Optional<Secret> secret(String namespace, String name);

    Optional<PersistentVolumeClaim> claim(String namespace, String name);

    /** The builder pods of a pool (by its {@code nixpool.dev/machine} label value). */
    List<Pod> podsOfMachine(String namespace, String machineLabel);

    List<Secret> secretsOfMachine(String namespace, String machineLabel);

    List<PersistentVolumeClaim> claimsOfMachine(String namespace, String machineLabel);

    /**
     * Creates a pod, Secret or claim.
     *
     * @return false when it exists already (someone, an earlier run of ours, created it since we looked)
     * @throws CreateRejectedException when the API server refuses it (quota, Pod Security, an invalid object): asking
     *         again would get the same answer
     */
    boolean create(HasMetadata resource);

    /** Adds labels to a pod; a pod already gone is fine (its build finds out on its own). */
    void labelPod(String namespace, String name, Map<String, String> labels);

    /** Deletes a pod; one already gone is fine. */
    void deletePod(String namespace, String name);

    /** Deletes a Secret; one already gone is fine. */
    void deleteSecret(String namespace, String name);

    /** Deletes a claim; one already gone is fine. */
    void deleteClaim(String namespace, String name);
}

package dev.nixpool.lifecycle;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Supplier;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;

import dev.nixpool.Names;
import dev.nixpool.api.v1alpha1.BuildMachine;
import dev.nixpool.scheduling.BuildRequest;
import dev.nixpool.status.Conditions;

/**
 * {@link BuilderResources} in memory, for lifecycle tests without a server (as Flink's TestingFlinkService stands in
 * for a cluster): pods, Secrets and claims in maps, a pod's state set by the test (the kubelet's part), and creates refused on
 * request with the status code and message an API server would give. {@link #view} is the informer caches over the
 * same objects.
 */
final class InMemoryBuilderResources implements BuilderResources {

    private final Map<String, Pod> pods = new ConcurrentHashMap<>();
    private final Map<String, Secret> secrets = new ConcurrentHashMap<>();
    private final Map<String, PersistentVolumeClaim> claims = new ConcurrentHashMap<>();
    private final Map<String, KubernetesClientException> refusals = new ConcurrentHashMap<>();
    private final List<String> created = new ArrayList<>();
    private final List<String> deletes = new ArrayList<>();
    private volatile String createdAt = Conditions.timestamp(Instant.now());
    private volatile Consumer<String> onLabel = name -> {
    };

    /** Every create of this kind ("Pod", "Secret") is answered with this code and message, as the API server would. */
    void refuseCreate(String kind, int code, String message) {
        refusals.put(kind, new KubernetesClientException(message, code, null));
    }

    /** Creates of this kind succeed again (the quota was raised, the API server is back). */
    void acceptCreate(String kind) {
        refusals.remove(kind);
    }

    /** The creationTimestamp the next created objects get. */
    void createdAt(Instant instant) {
        createdAt = Conditions.timestamp(instant);
    }

    /** "Kind/name" of everything created, in order. */
    synchronized List<String> created() {
        return List.copyOf(created);
    }

    /** "Kind/name" of every delete issued, in order, with " (404)" for those the API server would answer not found. */
    synchronized List<String> deletes() {
        return List.copyOf(deletes);
    }

    @Override
    public Optional<Pod> pod(String namespace, String name) {
        return Optional.ofNullable(pods.get(key(namespace, name))).map(Serialization::clone);
    }

    @Override
    public Optional<Secret> secret(String namespace, String name) {
        return Optional.ofNullable(secrets.get(key(namespace, name))).map(Serialization::clone);
    }

    @Override
    public Optional<PersistentVolumeClaim> claim(String namespace, String name) {
        return Optional.ofNullable(claims.get(key(namespace, name))).map(Serialization::clone);
    }

    @Override
    public List<Pod> podsOfMachine(String namespace, String machineLabel) {
        return ofMachine(pods, namespace, machineLabel);
    }

    @Override
    public List<Secret> secretsOfMachine(String namespace, String machineLabel) {
        return ofMachine(secrets, namespace, machineLabel);
    }

    @Override
    public List<PersistentVolumeClaim> claimsOfMachine(String namespace, String machineLabel) {
        return ofMachine(claims, namespace, machineLabel);
    }

    @Override
    public void labelPod(String namespace, String name, Map<String, String> labels) {
        onLabel.accept(name);
        changePod(namespace, name, pod -> pod.getMetadata().getLabels().putAll(labels));
    }

    /** Told the pod's name at each label write, before it is stored (what the caller has done by then). */
    void onLabel(Consumer<String> hook) {
        onLabel = hook;
    }

    @Override
    public void deleteClaim(String namespace, String name) {
        claims.remove(key(namespace, name));
    }

    /** As the real one: 409 is "exists", other 4xx (but 429) a refusal, the rest thrown for the reconcile's retries. */
    @Override
    public synchronized boolean create(HasMetadata resource) {
        KubernetesClientException refusal = refusals.get(resource.getKind());
        if (refusal != null) {
            if (CreateRejectedException.isRefusal(refusal.getCode())) {
                throw new CreateRejectedException(resource.getKind(), resource.getMetadata().getName(),
                        refusal.getCode(), refusal.getMessage());
            }
            throw refusal;
        }
        String key = key(resource.getMetadata().getNamespace(), resource.getMetadata().getName());
        HasMetadata copy = Serialization.clone(resource);
        copy.getMetadata().setUid(UUID.randomUUID().toString());
        copy.getMetadata().setCreationTimestamp(createdAt);
        boolean fresh;
        if (copy instanceof Pod pod) {
            pod.setStatus(new PodStatusBuilder().withPhase("Pending").build());
            fresh = pods.putIfAbsent(key, pod) == null;
        } else if (copy instanceof Secret secret) {
            fresh = secrets.putIfAbsent(key, secret) == null;
        } else if (copy instanceof PersistentVolumeClaim claim) {
            fresh = claims.putIfAbsent(key, claim) == null;
        } else {
            throw new IllegalArgumentException(
                    "the lifecycle creates pods, Secrets and claims, not " + resource.getKind());
        }
        if (fresh) {
            created.add(resource.getKind() + "/" + resource.getMetadata().getName());
        }
        return fresh;
    }

    @Override
    public void deletePod(String namespace, String name) {
        recordDelete("Pod/" + name, pods.remove(key(namespace, name)) != null);
    }

    @Override
    public void deleteSecret(String namespace, String name) {
        recordDelete("Secret/" + name, secrets.remove(key(namespace, name)) != null);
    }

    private synchronized void recordDelete(String what, boolean found) {
        deletes.add(found ? what : what + " (404)");
    }

    /** Changes a stored pod, as the kubelet (or a node's end) would. */
    void changePod(String namespace, String name, Consumer<Pod> change) {
        pods.computeIfPresent(key(namespace, name), (k, pod) -> {
            change.accept(pod);
            return pod;
        });
    }

    void podRunning(String namespace, String name, String podIp) {
        changePod(namespace, name, pod -> pod.setStatus(new PodStatusBuilder().withPhase("Running").withPodIP(podIp)
                .withConditions(new PodConditionBuilder().withType("Ready").withStatus("True").build())
                .build()));
    }

    /**
     * The informer caches over the same objects, in sync with them, with the given pools; {@code otherBuilders} are
     * Ready builder pods busy with other builds, pod name to pool; {@code claims} the builds holding a builder, as their
     * statuses in the cache say.
     */
    ClusterView view(List<BuildMachine> machines, Map<String, String> otherBuilders,
            Supplier<Map<String, ClusterSnapshot.Claim>> claims) {
        return new ClusterView() {
            @Override
            public ClusterSnapshot snapshot(String namespace) {
                List<Pod> all = new ArrayList<>();
                Map<String, ClusterSnapshot.Claim> held = new HashMap<>(claims.get());
                int slot = 100;
                for (Map.Entry<String, String> other : otherBuilders.entrySet()) {
                    all.add(new PodBuilder().withNewMetadata().withName(other.getKey()).withNamespace(namespace)
                            .withCreationTimestamp(createdAt)
                            .withLabels(Names.builderLabels(other.getValue(), slot++)).endMetadata()
                            .withStatus(new PodStatusBuilder().withPhase("Running").withPodIP("10.9.9.9")
                                    .withConditions(new PodConditionBuilder().withType("Ready").withStatus("True")
                                            .build())
                                    .build())
                            .build());
                    held.put(namespace + "/busy-" + other.getKey(),
                            new ClusterSnapshot.Claim(other.getValue(), other.getKey()));
                }
                pods.values().stream()
                        .filter(p -> p.getMetadata().getNamespace().equals(namespace))
                        .map(Serialization::clone)
                        .forEach(all::add);
                return new ClusterSnapshot(machines, held, all, Set.of(), List.<BuildRequest>of());
            }

            @Override
            public Optional<Pod> builderPod(String namespace, String name) {
                return pod(namespace, name);
            }
        };
    }

    private static <T extends HasMetadata> List<T> ofMachine(Map<String, T> objects, String namespace,
            String machineLabel) {
        return objects.values().stream()
                .filter(o -> o.getMetadata().getNamespace().equals(namespace)
                        && machineLabel.equals(o.getMetadata().getLabels().get(Names.LABEL_MACHINE)))
                .map(Serialization::clone)
                .toList();
    }

    private static String key(String namespace, String name) {
        return namespace + "/" + name;
    }
}

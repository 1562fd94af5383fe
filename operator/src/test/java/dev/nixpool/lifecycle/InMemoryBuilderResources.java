package dev.nixpool.lifecycle;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
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
 * for a cluster): pods and Secrets in maps, a pod's state set by the test (the kubelet's part), and creates refused on
 * request with the status code and message an API server would give. {@link #view} is the informer caches over the
 * same objects.
 */
final class InMemoryBuilderResources implements BuilderResources {

    private final Map<String, Pod> pods = new ConcurrentHashMap<>();
    private final Map<String, Secret> secrets = new ConcurrentHashMap<>();
    private final Map<String, KubernetesClientException> refusals = new ConcurrentHashMap<>();
    private final List<String> created = new ArrayList<>();
    private volatile String createdAt = Conditions.timestamp(Instant.now());

    /** Every create of this kind ("Pod", "Secret") is answered with this code and message, as the API server would. */
    void refuseCreate(String kind, int code, String message) {
        refusals.put(kind, new KubernetesClientException(message, code, null));
    }

    /** The creationTimestamp the next created objects get. */
    void createdAt(Instant instant) {
        createdAt = Conditions.timestamp(instant);
    }

    /** "Kind/name" of everything created, in order. */
    synchronized List<String> created() {
        return List.copyOf(created);
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
    public List<Pod> podsOfBuild(String namespace, String buildLabel) {
        return ofBuild(pods, namespace, buildLabel);
    }

    @Override
    public List<Secret> secretsOfBuild(String namespace, String buildLabel) {
        return ofBuild(secrets, namespace, buildLabel);
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
        } else {
            throw new IllegalArgumentException("the lifecycle creates pods and Secrets, not " + resource.getKind());
        }
        if (fresh) {
            created.add(resource.getKind() + "/" + resource.getMetadata().getName());
        }
        return fresh;
    }

    @Override
    public void deletePod(String namespace, String name) {
        pods.remove(key(namespace, name));
    }

    @Override
    public void deleteSecret(String namespace, String name) {
        secrets.remove(key(namespace, name));
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
     * builder pods of other builds, pod name to pool.
     */
    ClusterView view(List<BuildMachine> machines, Map<String, String> otherBuilders) {
        return new ClusterView() {
            @Override
            public ClusterSnapshot snapshot(String namespace) {
                Map<String, String> alive = new HashMap<>(otherBuilders);
                pods.values().stream()
                        .filter(p -> p.getMetadata().getNamespace().equals(namespace) && BuilderPods.isAlive(p))
                        .forEach(p -> alive.put(p.getMetadata().getName(),
                                p.getMetadata().getLabels().get(Names.LABEL_MACHINE)));
                return new ClusterSnapshot(machines, Map.of(), alive, List.<BuildRequest>of());
            }

            @Override
            public Optional<Pod> builderPod(String namespace, String name) {
                return pod(namespace, name);
            }
        };
    }

    private static <T extends HasMetadata> List<T> ofBuild(Map<String, T> objects, String namespace,
            String buildLabel) {
        return objects.values().stream()
                .filter(o -> o.getMetadata().getNamespace().equals(namespace)
                        && buildLabel.equals(o.getMetadata().getLabels().get(Names.LABEL_BUILD)))
                .map(Serialization::clone)
                .toList();
    }

    private static String key(String namespace, String name) {
        return namespace + "/" + name;
    }
}

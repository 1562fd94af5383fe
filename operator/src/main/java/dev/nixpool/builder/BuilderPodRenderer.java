package dev.nixpool.builder;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSecurityContextBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;

import dev.nixpool.Names;
import dev.nixpool.api.v1alpha1.BuildMachine;
import dev.nixpool.api.v1alpha1.BuildMachineSpec;
import dev.nixpool.api.v1alpha1.BuilderTemplate;
import dev.nixpool.config.BuilderDefaults;

/**
 * Renders a builder pod of a pool from the pool's template and the operator's defaults, exactly as
 * docs/builder-contract.md describes it. A builder belongs to its pool, not to a build: it is placed where all of the
 * pool's features are (a BuildMachine is one kind of machine, as a line of Nix's machines file is), so any build the
 * pool takes can run on any of its builders. Pure: no client, no clock.
 */
public final class BuilderPodRenderer {

    /** Owner read-only: the keys are secrets even inside the pod. */
    static final int KEY_FILE_MODE = 0400;
    /**
     * Secret files belong to root; a non-root builder reads them through its fsGroup. sshd accepts a group-readable
     * host key it does not own.
     */
    static final int KEY_FILE_MODE_NON_ROOT = 0440;
    static final String STATE_DIR = "/run/nixpool";
    static final String LISTEN_ADDRESS = "0.0.0.0";
    private static final int HASH_LENGTH = 10;

    private BuilderPodRenderer() {
    }

    /**
     * The pod of builder {@code podName} in {@code slot} of {@code pool}; {@code claimLabels} are added when it is
     * created for one build ({@link Names#claimLabels}).
     */
    public static Pod render(BuildMachine pool, String podName, int slot, Map<String, String> claimLabels,
            BuilderDefaults defaults) {
        Pod pod = renderTemplate(pool, podName, slot, defaults);
        pod.getMetadata().getLabels().putAll(claimLabels);
        pod.getMetadata().getAnnotations().put(Names.ANNOTATION_TEMPLATE_HASH, templateHash(pool, defaults));
        return pod;
    }

    /**
     * A hash of everything a pool's builder pods are rendered from (template, features, store, the operator's defaults),
     * but not of their names: an idle builder whose hash differs was made from an older template and is replaced.
     */
    public static String templateHash(BuildMachine pool, BuilderDefaults defaults) {
        Pod pod = renderTemplate(pool, "template", 0, defaults);
        String json = Serialization.asJson(pod.getSpec()) + Serialization.asJson(pod.getMetadata().getLabels())
                + Serialization.asJson(pod.getMetadata().getAnnotations());
        return Names.shortHash(json, HASH_LENGTH);
    }

    private static Pod renderTemplate(BuildMachine pool, String podName, int slot, BuilderDefaults defaults) {
        BuildMachineSpec poolSpec = pool.getSpec();
        BuilderTemplate template = poolSpec.getTemplate() != null ? poolSpec.getTemplate() : new BuilderTemplate();
        FeaturePlacements placements = FeaturePlacements.resolve(poolFeatures(poolSpec),
                poolSpec.getFeaturePlacement(), defaults.featurePlacement());

        Map<String, String> labels = new LinkedHashMap<>(orEmpty(template.getLabels()));
        labels.putAll(Names.builderLabels(pool.getMetadata().getName(), slot));

        Map<String, String> nodeSelector = new LinkedHashMap<>(orEmpty(template.getNodeSelector()));
        nodeSelector.putAll(placements.nodeSelector());

        List<Toleration> tolerations = new ArrayList<>(orEmpty(template.getTolerations()));
        placements.tolerations().stream().filter(t -> !tolerations.contains(t)).forEach(tolerations::add);

        List<Volume> volumes = new ArrayList<>();
        volumes.add(new VolumeBuilder()
                .withName(Names.VOLUME_SSH_KEYS)
                .withNewSecret()
                .withSecretName(Names.keySecretName(podName))
                .withDefaultMode(keyMode(defaults))
                .withItems(mounted(Names.KEY_HOST_PRIVATE, defaults), mounted(Names.KEY_HOST_PUBLIC, defaults),
                        mounted(Names.KEY_AUTHORIZED_KEYS, defaults))
                .endSecret()
                .build());
        if (hasStoreClaim(poolSpec)) {
            volumes.add(new VolumeBuilder()
                    .withName(Names.VOLUME_STORE)
                    .withNewPersistentVolumeClaim()
                    .withClaimName(Names.storeClaimName(pool.getMetadata().getName(), slot))
                    .endPersistentVolumeClaim()
                    .build());
        }

        return new PodBuilder()
                .withNewMetadata()
                .withName(podName)
                .withNamespace(pool.getMetadata().getNamespace())
                .withLabels(labels)
                .withAnnotations(new LinkedHashMap<>(orEmpty(template.getAnnotations())))
                .withOwnerReferences(ownerReference(pool))
                .endMetadata()
                .withNewSpec()
                .withRestartPolicy("Never")
                .withAutomountServiceAccountToken(false)
                .withEnableServiceLinks(false)
                .withServiceAccountName(template.getServiceAccountName())
                .withPriorityClassName(template.getPriorityClassName())
                .withNodeSelector(nodeSelector)
                .withTolerations(tolerations)
                .withAffinity(template.getAffinity())
                .withSecurityContext(podSecurityContext(defaults))
                .withContainers(container(pool, template, placements, defaults))
                .withVolumes(volumes)
                .endSpec()
                .build();
    }

    /** The pool's features: supported ones and mandatory ones (a mandatory feature is offered too). */
    static Set<String> poolFeatures(BuildMachineSpec spec) {
        Set<String> features = new LinkedHashSet<>(orEmpty(spec.getSupportedFeatures()));
        features.addAll(orEmpty(spec.getMandatoryFeatures()));
        return features;
    }

    public static boolean hasStoreClaim(BuildMachineSpec spec) {
        return spec.getStore() != null && spec.getStore().getVolumeClaimTemplate() != null;
    }

    /**
     * Controller owner: the pool. A real API server's garbage collector deletes the pod with its BuildMachine, which
     * the operator lets go only once its builders are drained (no running build is killed by deleting a pool).
     */
    public static OwnerReference ownerReference(BuildMachine pool) {
        return new OwnerReferenceBuilder()
                .withApiVersion(pool.getApiVersion())
                .withKind(pool.getKind())
                .withName(pool.getMetadata().getName())
                .withUid(pool.getMetadata().getUid())
                .withController(true)
                .withBlockOwnerDeletion(true)
                .build();
    }

    private static Container container(BuildMachine pool, BuilderTemplate template, FeaturePlacements placements,
            BuilderDefaults defaults) {
        ContainerBuilder container = new ContainerBuilder()
                .withName(Names.CONTAINER_BUILDER)
                .withImage(template.getImage() != null ? template.getImage() : defaults.image())
                .withImagePullPolicy(template.getImagePullPolicy() != null
                        ? template.getImagePullPolicy()
                        : defaults.imagePullPolicy())
                .addNewPort()
                .withName(Names.PORT_SSH)
                .withContainerPort(defaults.sshPort())
                .withProtocol("TCP")
                .endPort()
                .withNewReadinessProbe()
                .withNewTcpSocket()
                .withPort(new IntOrString(Names.PORT_SSH))
                .endTcpSocket()
                .withPeriodSeconds(2)
                .withFailureThreshold(3)
                .endReadinessProbe()
                .withEnv(env(pool, template, defaults))
                .withResources(resources(template, placements, defaults))
                .withSecurityContext(containerSecurityContext(defaults))
                .addNewVolumeMount()
                .withName(Names.VOLUME_SSH_KEYS)
                .withMountPath(Names.SSH_DIR)
                .withReadOnly(true)
                .endVolumeMount();
        if (hasStoreClaim(pool.getSpec())) {
            container.addNewVolumeMount().withName(Names.VOLUME_STORE).withMountPath(Names.STORE_DIR).endVolumeMount();
        }
        return container.build();
    }

    /**
     * The NIXPOOL_* variables of the contract win over template variables of the same name. A build's own substituters
     * travel on its session; the pool's are the builder's defaults.
     */
    static List<EnvVar> env(BuildMachine pool, BuilderTemplate template, BuilderDefaults defaults) {
        BuildMachineSpec spec = pool.getSpec();
        Map<String, String> contract = new LinkedHashMap<>();
        contract.put("NIXPOOL_SSH_DIR", Names.SSH_DIR);
        contract.put("NIXPOOL_SSH_PORT", Integer.toString(defaults.sshPort()));
        contract.put("NIXPOOL_LISTEN_ADDRESS", LISTEN_ADDRESS);
        contract.put("NIXPOOL_SYSTEMS", String.join(" ", orEmpty(spec.getSystems())));
        contract.put("NIXPOOL_SYSTEM_FEATURES", String.join(" ", poolFeatures(spec)));
        contract.put("NIXPOOL_MAX_JOBS", Integer.toString(spec.getMaxJobs() != null ? spec.getMaxJobs() : 1));
        contract.put("NIXPOOL_SUBSTITUTERS", String.join(" ", orEmpty(spec.getSubstituters())));
        contract.put("NIXPOOL_TRUSTED_PUBLIC_KEYS", String.join(" ", orEmpty(spec.getTrustedPublicKeys())));
        contract.put("NIXPOOL_STATE_DIR", STATE_DIR);
        if (spec.getStore() != null && spec.getStore().getMinFree() != null) {
            contract.put("NIXPOOL_MIN_FREE", bytes(spec.getStore().getMinFree()));
        }
        if (spec.getStore() != null && spec.getStore().getMaxFree() != null) {
            contract.put("NIXPOOL_MAX_FREE", bytes(spec.getStore().getMaxFree()));
        }
        // a store on the pod's own disk goes with the pod: syncing its database after every write only costs time (an
        // evaluation's .drv is one such write on every build's way to its build command); a claimed store outlives it
        contract.put("NIXPOOL_FSYNC_METADATA", Boolean.toString(hasStoreClaim(spec)));

        List<EnvVar> env = new ArrayList<>();
        contract.forEach((name, value) -> env.add(new EnvVar(name, value, null)));
        orEmpty(template.getEnv()).stream().filter(var -> !contract.containsKey(var.getName())).forEach(env::add);
        return env;
    }

    /** Nix's min-free/max-free take bytes; the API takes Kubernetes quantities (5Gi). */
    static String bytes(Quantity quantity) {
        return Quantity.getAmountInBytes(quantity).setScale(0, java.math.RoundingMode.CEILING).toPlainString();
    }

    /**
     * The template's (or the operator's default) resources plus the extra requests of the required features. Extended
     * resources (e.g. devices.kubevirt.io/kvm) cannot be overcommitted: Kubernetes wants their limit equal to the
     * request.
     */
    static ResourceRequirements resources(BuilderTemplate template, FeaturePlacements placements,
            BuilderDefaults defaults) {
        ResourceRequirements base = template.getResources() != null ? template.getResources() : defaults.resources();
        Map<String, Quantity> requests = new LinkedHashMap<>(base != null ? orEmpty(base.getRequests()) : Map.of());
        Map<String, Quantity> limits = new LinkedHashMap<>(base != null ? orEmpty(base.getLimits()) : Map.of());
        placements.extraResources().forEach((name, amount) -> {
            Quantity request = requests.merge(name, amount, Quantity::add);
            if (isExtendedResource(name)) {
                limits.put(name, request);
            }
        });
        ResourceRequirements result = new ResourceRequirements();
        result.setRequests(requests);
        result.setLimits(limits);
        return result;
    }

    /** Kubernetes' rule: a resource name with a domain outside kubernetes.io is an extended resource. */
    static boolean isExtendedResource(String name) {
        int slash = name.indexOf('/');
        if (slash < 0) {
            return false;
        }
        String domain = name.substring(0, slash);
        return !domain.equals("kubernetes.io") && !domain.endsWith(".kubernetes.io");
    }

    /**
     * The reference image runs sshd as root (privilege separation, and Nix's build users), so the default does not force
     * a non-root user; it does forbid privilege escalation and uses the runtime's seccomp profile. When the operator is
     * configured with {@code nixpool.builder.run-as-user}, the pod runs as that uid (and fsGroup) with every capability
     * dropped.
     */
    private static PodSecurityContext podSecurityContext(BuilderDefaults defaults) {
        PodSecurityContextBuilder context = new PodSecurityContextBuilder()
                .withNewSeccompProfile()
                .withType("RuntimeDefault")
                .endSeccompProfile();
        defaults.runAsUser().ifPresent(uid -> context.withRunAsUser(uid).withRunAsGroup(uid).withFsGroup(uid)
                .withRunAsNonRoot(true));
        return context.build();
    }

    private static SecurityContext containerSecurityContext(BuilderDefaults defaults) {
        SecurityContextBuilder context = new SecurityContextBuilder().withAllowPrivilegeEscalation(false);
        if (defaults.runAsUser().isPresent()) {
            context.withNewCapabilities().withDrop("ALL").endCapabilities();
        }
        return context.build();
    }

    private static KeyToPath mounted(String key, BuilderDefaults defaults) {
        return new KeyToPath(key, keyMode(defaults), key);
    }

    private static int keyMode(BuilderDefaults defaults) {
        return defaults.runAsUser().isPresent() ? KEY_FILE_MODE_NON_ROOT : KEY_FILE_MODE;
    }

    private static <K, V> Map<K, V> orEmpty(Map<K, V> map) {
        return map != null ? map : Map.of();
    }

    private static <T> List<T> orEmpty(List<T> list) {
        return list != null ? list : List.of();
    }
}

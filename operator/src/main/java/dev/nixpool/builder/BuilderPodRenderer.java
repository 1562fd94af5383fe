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

import dev.nixpool.Names;
import dev.nixpool.api.v1alpha1.BuildMachine;
import dev.nixpool.api.v1alpha1.BuildMachineSpec;
import dev.nixpool.api.v1alpha1.BuilderTemplate;
import dev.nixpool.api.v1alpha1.NixBuild;
import dev.nixpool.api.v1alpha1.NixBuildSpec;
import dev.nixpool.config.BuilderDefaults;

/**
 * Renders the builder pod of one build attempt from the pool's template, the operator's defaults and the build's needs,
 * exactly as docs/builder-contract.md describes it. Pure: no client, no clock.
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

    private BuilderPodRenderer() {
    }

    public static Pod render(NixBuild build, BuildMachine pool, int attempt, BuilderDefaults defaults) {
        BuildMachineSpec poolSpec = pool.getSpec();
        BuilderTemplate template = poolSpec.getTemplate() != null ? poolSpec.getTemplate() : new BuilderTemplate();
        NixBuildSpec buildSpec = build.getSpec();
        FeaturePlacements placements = FeaturePlacements.resolve(buildSpec.getRequiredSystemFeatures(),
                poolSpec.getFeaturePlacement(), defaults.featurePlacement());
        String podName = Names.builderPodName(build.getMetadata().getName(), attempt);

        Map<String, String> labels = new LinkedHashMap<>(orEmpty(template.getLabels()));
        labels.putAll(Names.builderLabels(build.getMetadata().getName(), pool.getMetadata().getName(), attempt));

        Map<String, String> nodeSelector = new LinkedHashMap<>(orEmpty(template.getNodeSelector()));
        nodeSelector.putAll(placements.nodeSelector());

        List<Toleration> tolerations = new ArrayList<>(orEmpty(template.getTolerations()));
        placements.tolerations().stream().filter(t -> !tolerations.contains(t)).forEach(tolerations::add);

        return new PodBuilder()
                .withNewMetadata()
                .withName(podName)
                .withNamespace(build.getMetadata().getNamespace())
                .withLabels(labels)
                .withAnnotations(new LinkedHashMap<>(orEmpty(template.getAnnotations())))
                .withOwnerReferences(ownerReference(build))
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
                .withContainers(container(build, pool, template, placements, defaults))
                .addNewVolume()
                .withName(Names.VOLUME_SSH_KEYS)
                .withNewSecret()
                .withSecretName(Names.keySecretName(podName))
                .withDefaultMode(keyMode(defaults))
                .withItems(mounted(Names.KEY_HOST_PRIVATE, defaults), mounted(Names.KEY_HOST_PUBLIC, defaults),
                        mounted(Names.KEY_AUTHORIZED_KEYS, defaults))
                .endSecret()
                .endVolume()
                .endSpec()
                .build();
    }

    /** Controller owner: a real API server's garbage collector deletes the pod with its NixBuild. */
    public static OwnerReference ownerReference(NixBuild build) {
        return new OwnerReferenceBuilder()
                .withApiVersion(build.getApiVersion())
                .withKind(build.getKind())
                .withName(build.getMetadata().getName())
                .withUid(build.getMetadata().getUid())
                .withController(true)
                .withBlockOwnerDeletion(true)
                .build();
    }

    private static Container container(NixBuild build, BuildMachine pool, BuilderTemplate template,
            FeaturePlacements placements, BuilderDefaults defaults) {
        return new ContainerBuilder()
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
                .withEnv(env(build, pool, template, defaults))
                .withResources(resources(template, placements, defaults))
                .withSecurityContext(containerSecurityContext(defaults))
                .addNewVolumeMount()
                .withName(Names.VOLUME_SSH_KEYS)
                .withMountPath(Names.SSH_DIR)
                .withReadOnly(true)
                .endVolumeMount()
                .build();
    }

    /** The NIXPOOL_* variables of the contract win over template variables of the same name. */
    static List<EnvVar> env(NixBuild build, BuildMachine pool, BuilderTemplate template, BuilderDefaults defaults) {
        BuildMachineSpec spec = pool.getSpec();
        Set<String> features = new LinkedHashSet<>(orEmpty(spec.getSupportedFeatures()));
        features.addAll(orEmpty(spec.getMandatoryFeatures()));
        Map<String, String> contract = new LinkedHashMap<>();
        contract.put("NIXPOOL_SSH_DIR", Names.SSH_DIR);
        contract.put("NIXPOOL_SSH_PORT", Integer.toString(defaults.sshPort()));
        contract.put("NIXPOOL_LISTEN_ADDRESS", LISTEN_ADDRESS);
        contract.put("NIXPOOL_SYSTEMS", String.join(" ", orEmpty(spec.getSystems())));
        contract.put("NIXPOOL_SYSTEM_FEATURES", String.join(" ", features));
        contract.put("NIXPOOL_MAX_JOBS", Integer.toString(spec.getMaxJobs() != null ? spec.getMaxJobs() : 1));
        contract.put("NIXPOOL_SUBSTITUTERS", String.join(" ", orEmpty(build.getSpec().getSubstituters())));
        contract.put("NIXPOOL_TRUSTED_PUBLIC_KEYS", String.join(" ", orEmpty(build.getSpec().getTrustedPublicKeys())));
        contract.put("NIXPOOL_STATE_DIR", STATE_DIR);

        List<EnvVar> env = new ArrayList<>();
        contract.forEach((name, value) -> env.add(new EnvVar(name, value, null)));
        orEmpty(template.getEnv()).stream().filter(var -> !contract.containsKey(var.getName())).forEach(env::add);
        return env;
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

package dev.nixpool.runtime;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.SecurityContext;

/**
 * Who the container's process is, from the pod's and the container's securityContext as a kubelet resolves them: the
 * container's {@code runAsUser}/{@code runAsGroup}/{@code runAsNonRoot} win over the pod's; {@code fsGroup} and
 * {@code supplementalGroups} become supplementary groups. There is no image here, so a pod that sets no
 * {@code runAsUser} runs as root (uid 0), and its group is {@code runAsGroup}, else the uid (the reference image's user
 * nixpool has uid = gid = 10001).
 *
 * @param noNewPrivileges {@code allowPrivilegeEscalation: false}: the process gets no_new_privs
 * @param dropAllCapabilities {@code capabilities.drop} contains ALL: empty bounding and inheritable sets
 */
record ContainerIdentity(long uid, long gid, Long fsGroup, List<Long> supplementalGroups, boolean noNewPrivileges,
        boolean dropAllCapabilities) {

    static final ContainerIdentity ROOT = new ContainerIdentity(0, 0, null, List.of(), false, false);

    static ContainerIdentity from(Pod pod) throws PodRejectedException {
        PodSecurityContext podContext = pod.getSpec().getSecurityContext() == null
                ? new PodSecurityContext()
                : pod.getSpec().getSecurityContext();
        Container container = pod.getSpec().getContainers().get(0);
        SecurityContext context = container.getSecurityContext() == null
                ? new SecurityContext()
                : container.getSecurityContext();
        Long runAsUser = first(context.getRunAsUser(), podContext.getRunAsUser());
        Long runAsGroup = first(context.getRunAsGroup(), podContext.getRunAsGroup());
        Boolean runAsNonRoot = first(context.getRunAsNonRoot(), podContext.getRunAsNonRoot());
        long uid = runAsUser == null ? 0 : runAsUser;
        if (Boolean.TRUE.equals(runAsNonRoot) && uid == 0) {
            // kubelet's verifyRunAsNonRoot, word for word, with format.Pod's name_namespace(uid)
            String podName = pod.getMetadata().getName() + "_" + pod.getMetadata().getNamespace() + "("
                    + pod.getMetadata().getUid() + ")";
            throw new PodRejectedException(BuilderPodSpec.CONFIG_ERROR, runAsUser == null
                    ? "container has runAsNonRoot and image will run as root (pod: \"" + podName + "\", container: "
                            + container.getName() + ")"
                    : "container's runAsUser breaks non-root policy (pod: \"" + podName + "\", container: "
                            + container.getName() + ")");
        }
        boolean dropAll = context.getCapabilities() != null && context.getCapabilities().getDrop() != null
                && context.getCapabilities().getDrop().contains("ALL");
        return new ContainerIdentity(uid, runAsGroup == null ? uid : runAsGroup, podContext.getFsGroup(),
                podContext.getSupplementalGroups() == null ? List.of() : podContext.getSupplementalGroups(),
                Boolean.FALSE.equals(context.getAllowPrivilegeEscalation()), dropAll);
    }

    boolean isRoot() {
        return uid == 0;
    }

    /** The group that may enter the pod's directories: fsGroup when there is one, as the kubelet gives volumes. */
    long directoryGroup() {
        return fsGroup != null ? fsGroup : gid;
    }

    /** The process's supplementary groups: its own group, fsGroup, supplementalGroups. */
    List<Long> groups() {
        Set<Long> groups = new LinkedHashSet<>();
        groups.add(gid);
        if (fsGroup != null) {
            groups.add(fsGroup);
        }
        groups.addAll(supplementalGroups);
        return List.copyOf(groups);
    }

    /** The command behind setpriv, which switches to this identity (a root container without changes runs as it is). */
    List<String> wrap(List<String> command) {
        if (equals(ROOT)) {
            return command;
        }
        List<String> wrapped = new ArrayList<>(List.of("setpriv", "--reuid", String.valueOf(uid), "--regid",
                String.valueOf(gid), "--groups", String.join(",", groups().stream().map(String::valueOf).toList())));
        if (noNewPrivileges) {
            wrapped.add("--no-new-privs");
        }
        if (dropAllCapabilities) {
            wrapped.addAll(List.of("--inh-caps", "-all", "--bounding-set", "-all"));
        }
        wrapped.add("--");
        wrapped.addAll(command);
        return wrapped;
    }

    private static <T> T first(T preferred, T fallback) {
        return preferred != null ? preferred : fallback;
    }
}

package dev.nixpool.local.apiserver;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.fabric8.mockwebserver.http.MockResponse;

/**
 * Two admission plugins a real API server runs on every pod create, so that local mode refuses what a cluster would:
 * <ul>
 * <li>ServiceAccount: a pod naming a service account that does not exist in its namespace is refused (403) with the
 * plugin's message. The {@code default} account always exists here, as the service account controller creates it in
 * every namespace.</li>
 * <li>PodSecurity, in enforce mode only: the namespace's {@code pod-security.kubernetes.io/enforce} label (baseline or
 * restricted) holds the pod to the Pod Security Standards' controls that a pod can fail here (privileged containers,
 * host namespaces, hostPath volumes, host ports, added capabilities, AppArmor, and for restricted privilege
 * escalation, non-root, dropped capabilities, seccomp and volume types), with the plugin's message. Audit and warn
 * modes, exemptions and version pinning are not played.</li>
 * </ul>
 */
final class PodAdmission {

    static final String ENFORCE_LABEL = "pod-security.kubernetes.io/enforce";
    static final String ENFORCE_VERSION_LABEL = "pod-security.kubernetes.io/enforce-version";
    private static final String APPARMOR_PREFIX = "container.apparmor.security.beta.kubernetes.io/";
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Capabilities baseline lets a container add (the container runtime's defaults). */
    private static final Set<String> BASELINE_CAPABILITIES = Set.of("AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER",
            "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT");
    private static final Set<String> RESTRICTED_VOLUMES = Set.of("configMap", "csi", "downwardAPI", "emptyDir",
            "ephemeral", "persistentVolumeClaim", "projected", "secret");

    private final ObservableCrudStore store;

    PodAdmission(ObservableCrudStore store) {
        this.store = store;
    }

    /** Throws the API server's 403 when a plugin refuses the pod; returns when both admit it. */
    void admit(ResourcePath path, JsonNode pod) throws IOException {
        String namespace = path.namespace();
        String name = pod.path("metadata").path("name").asText(pod.path("metadata").path("generateName").asText(""));
        JsonNode spec = pod.path("spec");
        String account = spec.path("serviceAccountName").asText(spec.path("serviceAccount").asText(""));
        if (!account.isEmpty() && !account.equals("default") && !exists("/api/v1/namespaces/" + namespace
                + "/serviceaccounts/" + account)) {
            throw forbidden(path, name, "error looking up service account " + namespace + "/" + account
                    + ": serviceaccount \"" + account + "\" not found");
        }
        JsonNode labels = namespaceLabels(namespace);
        String level = labels.path(ENFORCE_LABEL).asText("privileged");
        if (!level.equals("baseline") && !level.equals("restricted")) {
            return;
        }
        List<String> violations = violations(pod, level.equals("restricted"));
        if (!violations.isEmpty()) {
            throw forbidden(path, name, "violates PodSecurity \"" + level + ":"
                    + labels.path(ENFORCE_VERSION_LABEL).asText("latest") + "\": " + String.join(", ", violations));
        }
    }

    /** The failed controls, each as the plugin words it: "reason (detail)". */
    static List<String> violations(JsonNode pod, boolean restricted) {
        JsonNode spec = pod.path("spec");
        List<JsonNode> containers = new ArrayList<>();
        spec.path("initContainers").forEach(containers::add);
        spec.path("containers").forEach(containers::add);
        List<String> found = new ArrayList<>();
        List<String> hostNamespaces = new ArrayList<>();
        for (String field : List.of("hostNetwork", "hostPID", "hostIPC")) {
            if (spec.path(field).asBoolean(false)) {
                hostNamespaces.add(field + "=true");
            }
        }
        if (!hostNamespaces.isEmpty()) {
            found.add("host namespaces (" + String.join(", ", hostNamespaces) + ")");
        }
        List<String> privileged = names(containers, c -> c.path("securityContext").path("privileged").asBoolean(false));
        if (!privileged.isEmpty()) {
            found.add("privileged (" + containerWords(privileged) + " must not set securityContext.privileged=true)");
        }
        List<String> hostPaths = new ArrayList<>();
        List<String> restrictedVolumes = new ArrayList<>();
        for (JsonNode volume : spec.path("volumes")) {
            if (volume.has("hostPath")) {
                hostPaths.add(volume.path("name").asText());
            }
            boolean allowed = false;
            for (var field = volume.fieldNames(); field.hasNext();) {
                allowed |= RESTRICTED_VOLUMES.contains(field.next());
            }
            if (!allowed) {
                restrictedVolumes.add(volume.path("name").asText());
            }
        }
        if (!hostPaths.isEmpty()) {
            found.add("hostPath volumes (volume" + plural(hostPaths) + " " + quoted(hostPaths) + ")");
        }
        List<String> hostPorts = names(containers, c -> {
            for (JsonNode port : c.path("ports")) {
                if (port.path("hostPort").asInt(0) != 0) {
                    return true;
                }
            }
            return false;
        });
        if (!hostPorts.isEmpty()) {
            found.add("hostPort (" + containerWords(hostPorts) + " uses hostPorts)");
        }
        List<String> added = names(containers, c -> {
            for (JsonNode cap : c.path("securityContext").path("capabilities").path("add")) {
                if (!BASELINE_CAPABILITIES.contains(cap.asText())) {
                    return true;
                }
            }
            return false;
        });
        if (!added.isEmpty()) {
            found.add("non-default capabilities (" + containerWords(added) + " must not include added capabilities)");
        }
        pod.path("metadata").path("annotations").fields().forEachRemaining(a -> {
            String value = a.getValue().asText();
            if (a.getKey().startsWith(APPARMOR_PREFIX) && !value.equals("runtime/default")
                    && !value.startsWith("localhost/")) {
                found.add("forbidden AppArmor profile (" + a.getKey() + "=\"" + value + "\")");
            }
        });
        if (restricted) {
            restrictedControls(spec, containers, restrictedVolumes, found);
        }
        return found;
    }

    private static void restrictedControls(JsonNode spec, List<JsonNode> containers, List<String> volumes,
            List<String> found) {
        if (!volumes.isEmpty()) {
            found.add("restricted volume types (volume" + plural(volumes) + " " + quoted(volumes)
                    + " must use an allowed volume type)");
        }
        List<String> escalation = names(containers,
                c -> !c.path("securityContext").path("allowPrivilegeEscalation").isBoolean()
                        || c.path("securityContext").path("allowPrivilegeEscalation").asBoolean());
        if (!escalation.isEmpty()) {
            found.add("allowPrivilegeEscalation != false (" + containerWords(escalation)
                    + " must set securityContext.allowPrivilegeEscalation=false)");
        }
        List<String> capabilities = names(containers, c -> {
            boolean dropsAll = false;
            for (JsonNode cap : c.path("securityContext").path("capabilities").path("drop")) {
                dropsAll |= cap.asText().equals("ALL");
            }
            return !dropsAll;
        });
        if (!capabilities.isEmpty()) {
            found.add("unrestricted capabilities (" + containerWords(capabilities)
                    + " must set securityContext.capabilities.drop=[\"ALL\"])");
        }
        boolean podNonRoot = spec.path("securityContext").path("runAsNonRoot").asBoolean(false);
        List<String> root = names(containers, c -> c.path("securityContext").path("runAsNonRoot").isBoolean()
                ? !c.path("securityContext").path("runAsNonRoot").asBoolean()
                : !podNonRoot);
        if (!root.isEmpty()) {
            found.add("runAsNonRoot != true (pod or " + containerWords(root)
                    + " must set securityContext.runAsNonRoot=true)");
        }
        boolean podSeccomp = allowedSeccomp(spec.path("securityContext"));
        List<String> seccomp = names(containers, c -> c.path("securityContext").path("seccompProfile").has("type")
                ? !allowedSeccomp(c.path("securityContext"))
                : !podSeccomp);
        if (!seccomp.isEmpty()) {
            found.add("seccompProfile (pod or " + containerWords(seccomp)
                    + " must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\")");
        }
    }

    private static boolean allowedSeccomp(JsonNode securityContext) {
        String type = securityContext.path("seccompProfile").path("type").asText("");
        return type.equals("RuntimeDefault") || type.equals("Localhost");
    }

    private static List<String> names(List<JsonNode> containers, java.util.function.Predicate<JsonNode> failing) {
        return containers.stream().filter(failing).map(c -> c.path("name").asText()).toList();
    }

    private static String containerWords(List<String> names) {
        return "container" + plural(names) + " " + quoted(names);
    }

    private static String plural(List<String> names) {
        return names.size() == 1 ? "" : "s";
    }

    private static String quoted(List<String> names) {
        return String.join(", ", names.stream().map(n -> "\"" + n + "\"").toList());
    }

    private boolean exists(String storePath) {
        return store.handleGet(storePath).code() == 200;
    }

    private JsonNode namespaceLabels(String namespace) throws IOException {
        MockResponse stored = store.handleGet("/api/v1/namespaces/" + namespace);
        if (stored.code() != 200) {
            return JSON.createObjectNode();
        }
        return JSON.readTree(stored.getBody().readUtf8()).path("metadata").path("labels");
    }

    private static ApiErrors.Failure forbidden(ResourcePath path, String name, String why) {
        return new ApiErrors.Failure(403, ApiErrors.status(403, "Forbidden", "pods \"" + name + "\" is forbidden: "
                + why,
                new ResourcePath(path.group(), path.version(), path.namespace(), path.plural(), name, null,
                        java.util.Map.of())));
    }
}

package dev.nixpool.local.apiserver;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The legacy discovery documents (/api, /apis, /api/v1, /apis/G, /apis/G/V): the built-in types that kubectl, the
 * operator and the builder runtime touch, plus every served version of the stored CRDs.
 */
final class Discovery {

    private static final List<ApiResource> BUILTINS = List.of(
            ApiResource.builtin("", "v1", "namespaces", "Namespace", false, true, "ns"),
            ApiResource.builtin("", "v1", "pods", "Pod", true, true, "po").inCategoryAll(),
            ApiResource.builtin("", "v1", "events", "Event", true, false, "ev"),
            ApiResource.builtin("", "v1", "secrets", "Secret", true, false),
            ApiResource.builtin("", "v1", "persistentvolumeclaims", "PersistentVolumeClaim", true, true, "pvc"),
            ApiResource.builtin("", "v1", "configmaps", "ConfigMap", true, false, "cm"),
            ApiResource.builtin("", "v1", "services", "Service", true, true, "svc").inCategoryAll(),
            ApiResource.builtin("", "v1", "serviceaccounts", "ServiceAccount", true, false, "sa"),
            ApiResource.builtin("", "v1", "nodes", "Node", false, true, "no"),
            ApiResource.builtin("apps", "v1", "deployments", "Deployment", true, true, "deploy").inCategoryAll(),
            ApiResource.builtin("apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition",
                    false, true, "crd", "crds"),
            ApiResource.builtin("coordination.k8s.io", "v1", "leases", "Lease", true, false),
            ApiResource.builtin("authorization.k8s.io", "v1", "selfsubjectrulesreviews", "SelfSubjectRulesReview",
                    false, false),
            ApiResource.builtin("networking.k8s.io", "v1", "networkpolicies", "NetworkPolicy", true, false, "netpol"),
            ApiResource.builtin("rbac.authorization.k8s.io", "v1", "roles", "Role", true, false),
            ApiResource.builtin("rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding", true, false),
            ApiResource.builtin("rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", false, false),
            ApiResource.builtin("rbac.authorization.k8s.io", "v1", "clusterrolebindings", "ClusterRoleBinding", false,
                    false));

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    /** The resources derived from one list of CRDs, kept while the supplier hands out that same list. */
    private record Derived(List<JsonNode> crds, List<ApiResource> resources) {
    }

    private final Supplier<List<JsonNode>> crds;
    private volatile Derived derived;

    /**
     * @param crds the stored CustomResourceDefinitions, asked for on every request so new CRDs show up at once; while
     *        it returns the same list instance (see {@link StoredCrds}), the resources derived from it are reused
     */
    Discovery(Supplier<List<JsonNode>> crds) {
        this.crds = crds;
    }

    List<ApiResource> all() {
        List<JsonNode> current = crds.get();
        Derived last = derived;
        if (last != null && last.crds() == current) {
            return last.resources();
        }
        List<ApiResource> result = new ArrayList<>(BUILTINS);
        current.forEach(crd -> result.addAll(ApiResource.fromCrd(crd)));
        List<ApiResource> resources = List.copyOf(result);
        derived = new Derived(current, resources);
        return resources;
    }

    Optional<ApiResource> find(String group, String version, String plural) {
        return all().stream()
                .filter(r -> r.group().equals(group) && r.version().equals(version) && r.plural().equals(plural))
                .findFirst();
    }

    /** The document for a discovery path (query already removed), or empty when the path is not one. */
    Optional<JsonNode> document(String path) {
        List<String> s = List.of(path.replaceAll("^/+|/+$", "").split("/"));
        if (s.equals(List.of("api"))) {
            ObjectNode versions = JSON.objectNode();
            versions.put("kind", "APIVersions");
            versions.putArray("versions").add("v1");
            ObjectNode address = versions.putArray("serverAddressByClientCIDRs").addObject();
            address.put("clientCIDR", "0.0.0.0/0");
            address.put("serverAddress", "127.0.0.1");
            return Optional.of(versions);
        }
        if (s.equals(List.of("apis"))) {
            ObjectNode list = JSON.objectNode();
            list.put("kind", "APIGroupList");
            list.put("apiVersion", "v1");
            ArrayNode groups = list.putArray("groups");
            groupVersions().forEach((group, versions) -> groups.add(group(group, versions)));
            return Optional.of(list);
        }
        if (s.size() == 2 && s.get(0).equals("api")) {
            return resourceList("", s.get(1));
        }
        if (s.size() == 2 && s.get(0).equals("apis")) {
            Set<String> versions = groupVersions().get(s.get(1));
            return versions == null ? Optional.empty() : Optional.of(group(s.get(1), versions));
        }
        if (s.size() == 3 && s.get(0).equals("apis")) {
            return resourceList(s.get(1), s.get(2));
        }
        return Optional.empty();
    }

    private Optional<JsonNode> resourceList(String group, String version) {
        List<ApiResource> resources = all().stream()
                .filter(r -> r.group().equals(group) && r.version().equals(version)).toList();
        if (resources.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(ApiResource.resourceList(resources.get(0).groupVersion(), resources));
    }

    private Map<String, Set<String>> groupVersions() {
        Map<String, Set<String>> result = new LinkedHashMap<>();
        all().stream().filter(r -> !r.group().isEmpty())
                .forEach(r -> result.computeIfAbsent(r.group(), g -> new LinkedHashSet<>()).add(r.version()));
        return result;
    }

    private static ObjectNode group(String name, Set<String> versions) {
        ObjectNode group = JSON.objectNode();
        group.put("kind", "APIGroup");
        group.put("apiVersion", "v1");
        group.put("name", name);
        ArrayNode list = group.putArray("versions");
        for (String v : versions) {
            ObjectNode gv = list.addObject();
            gv.put("groupVersion", name + "/" + v);
            gv.put("version", v);
        }
        group.set("preferredVersion", list.get(0).deepCopy());
        return group;
    }
}

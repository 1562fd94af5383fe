package dev.nixpool.local.apiserver;

import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Kubernetes RBAC over Role, RoleBinding, ClusterRole and ClusterRoleBinding objects: a request is allowed when a
 * binding whose subjects include the user (by name, by one of its groups, or as a ServiceAccount) refers to a role with
 * a rule that covers it. ClusterRoleBindings apply everywhere; RoleBindings (to a Role of their namespace or to a
 * ClusterRole) only in their namespace. Rules match verbs, apiGroups, resources (with {@code res/sub} for subresources,
 * {@code *} and {@code * /sub}), resourceNames (which never cover requests without a name, such as list) and
 * nonResourceURLs (exact or a {@code prefix*}, from ClusterRoleBindings only). Members of system:masters are allowed
 * everything. ClusterRole aggregation is not evaluated: aggregated roles must list their rules themselves.
 */
final class RbacAuthorizer {

    /** The RBAC objects of the store (items of each list). */
    record Policy(List<JsonNode> roles, List<JsonNode> roleBindings, List<JsonNode> clusterRoles,
            List<JsonNode> clusterRoleBindings) {
    }

    record Decision(boolean allowed, String reason) {
    }

    private static final String SERVICE_ACCOUNT_PREFIX = "system:serviceaccount:";

    private final Supplier<Policy> policy;

    RbacAuthorizer(Supplier<Policy> policy) {
        this.policy = policy;
    }

    Decision authorize(RequestAttributes request) {
        if (request.user().isMaster()) {
            return new Decision(true, "member of " + UserInfo.MASTERS);
        }
        Policy p = policy.get();
        for (JsonNode binding : p.clusterRoleBindings()) {
            Optional<String> subject = matchingSubject(binding, request.user());
            if (subject.isPresent() && coveredBy(role(p, binding, ""), request)) {
                return allowedBy("ClusterRoleBinding", binding, subject.get());
            }
        }
        if (request.resourceRequest() && !request.namespace().isEmpty()) {
            for (JsonNode binding : p.roleBindings()) {
                String namespace = binding.path("metadata").path("namespace").asText();
                if (!namespace.equals(request.namespace())) {
                    continue;
                }
                Optional<String> subject = matchingSubject(binding, request.user());
                if (subject.isPresent() && coveredBy(role(p, binding, namespace), request)) {
                    return allowedBy("RoleBinding", binding, subject.get());
                }
            }
        }
        return new Decision(false, "");
    }

    private static Decision allowedBy(String kind, JsonNode binding, String subject) {
        JsonNode ref = binding.path("roleRef");
        String namespace = binding.path("metadata").path("namespace").asText("");
        return new Decision(true, "RBAC: allowed by " + kind + " \"" + binding.path("metadata").path("name").asText()
                + (namespace.isEmpty() ? "" : "/" + namespace) + "\" of " + ref.path("kind").asText() + " \""
                + ref.path("name").asText() + "\" to " + subject);
    }

    /** The role a binding refers to; empty when it does not exist (a dangling binding grants nothing). */
    private static Optional<JsonNode> role(Policy p, JsonNode binding, String bindingNamespace) {
        JsonNode ref = binding.path("roleRef");
        String name = ref.path("name").asText();
        if (ref.path("kind").asText().equals("ClusterRole")) {
            return p.clusterRoles().stream().filter(r -> r.path("metadata").path("name").asText().equals(name))
                    .findFirst();
        }
        if (ref.path("kind").asText().equals("Role") && !bindingNamespace.isEmpty()) {
            return p.roles().stream().filter(r -> r.path("metadata").path("name").asText().equals(name)
                    && r.path("metadata").path("namespace").asText().equals(bindingNamespace)).findFirst();
        }
        return Optional.empty();
    }

    private static Optional<String> matchingSubject(JsonNode binding, UserInfo user) {
        for (JsonNode subject : binding.path("subjects")) {
            String kind = subject.path("kind").asText();
            String name = subject.path("name").asText();
            boolean matches = switch (kind) {
                case "User" -> name.equals(user.name());
                case "Group" -> user.groups().contains(name);
                case "ServiceAccount" -> user.name().equals(SERVICE_ACCOUNT_PREFIX
                        + subject.path("namespace").asText(binding.path("metadata").path("namespace").asText())
                        + ":" + name);
                default -> false;
            };
            if (matches) {
                return Optional.of(kind + " \"" + name + "\"");
            }
        }
        return Optional.empty();
    }

    private static boolean coveredBy(Optional<JsonNode> role, RequestAttributes request) {
        if (role.isEmpty()) {
            return false;
        }
        for (JsonNode rule : role.get().path("rules")) {
            if (covers(rule, request)) {
                return true;
            }
        }
        return false;
    }

    static boolean covers(JsonNode rule, RequestAttributes request) {
        if (!containsOrStar(rule.path("verbs"), request.verb())) {
            return false;
        }
        if (!request.resourceRequest()) {
            for (JsonNode url : rule.path("nonResourceURLs")) {
                String pattern = url.asText();
                if (pattern.equals("*") || pattern.equals(request.path())
                        || pattern.endsWith("*") && request.path().startsWith(pattern.substring(0, pattern.length()
                                - 1))) {
                    return true;
                }
            }
            return false;
        }
        if (!containsOrStar(rule.path("apiGroups"), request.group()) || !resourceMatches(rule, request)) {
            return false;
        }
        JsonNode names = rule.path("resourceNames");
        if (names.isEmpty()) {
            return true;
        }
        if (request.name().isEmpty()) {
            return false;
        }
        for (JsonNode name : names) {
            if (name.asText().equals(request.name())) {
                return true;
            }
        }
        return false;
    }

    private static boolean resourceMatches(JsonNode rule, RequestAttributes request) {
        String combined = request.subresource().isEmpty()
                ? request.resource()
                : request.resource() + "/" + request.subresource();
        for (JsonNode entry : rule.path("resources")) {
            String r = entry.asText();
            if (r.equals("*") || r.equals(combined)) {
                return true;
            }
            if (!request.subresource().isEmpty()
                    && (r.equals("*/" + request.subresource()) || r.equals(request.resource() + "/*"))) {
                return true;
            }
        }
        return false;
    }

    private static boolean containsOrStar(JsonNode values, String wanted) {
        for (JsonNode value : values) {
            if (value.asText().equals("*") || value.asText().equals(wanted)) {
                return true;
            }
        }
        return false;
    }
}

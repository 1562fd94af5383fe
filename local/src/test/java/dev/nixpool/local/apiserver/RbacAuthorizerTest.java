package dev.nixpool.local.apiserver;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

/** RBAC's semantics, case by case, over one set of roles and bindings. */
class RbacAuthorizerTest {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private static final RbacAuthorizer RBAC = new RbacAuthorizer(() -> new RbacAuthorizer.Policy(
            objects("""
                    metadata: {name: build-reader, namespace: team-a}
                    rules:
                    - apiGroups: [nixpool.dev]
                      resources: [nixbuilds]
                      verbs: [get, list, watch]
                    ---
                    metadata: {name: one-build, namespace: team-a}
                    rules:
                    - apiGroups: [nixpool.dev]
                      resources: [nixbuilds]
                      resourceNames: [hello]
                      verbs: [get]
                    ---
                    metadata: {name: build-reader, namespace: team-b}
                    rules:
                    - apiGroups: ["*"]
                      resources: ["*"]
                      verbs: ["*"]
                    """),
            objects("""
                    metadata: {name: alice-reads, namespace: team-a}
                    roleRef: {kind: Role, name: build-reader}
                    subjects: [{kind: User, name: alice}]
                    ---
                    metadata: {name: bob-hello, namespace: team-a}
                    roleRef: {kind: Role, name: one-build}
                    subjects: [{kind: User, name: bob}]
                    ---
                    metadata: {name: ci-logs, namespace: team-a}
                    roleRef: {kind: ClusterRole, name: log-reader}
                    subjects: [{kind: ServiceAccount, name: ci, namespace: ci}]
                    ---
                    metadata: {name: dangling, namespace: team-a}
                    roleRef: {kind: Role, name: no-such-role}
                    subjects: [{kind: User, name: dora}]
                    ---
                    metadata: {name: other-namespaces-role, namespace: team-a}
                    roleRef: {kind: Role, name: build-reader}
                    subjects: [{kind: User, name: eve}]
                    """),
            objects("""
                    metadata: {name: log-reader}
                    rules:
                    - apiGroups: [""]
                      resources: [pods/log, "*/status"]
                      verbs: [get]
                    - apiGroups: [""]
                      resources: [services/*]
                      verbs: [get]
                    ---
                    metadata: {name: lease-holder}
                    rules:
                    - apiGroups: [coordination.k8s.io]
                      resources: [leases]
                      verbs: [create, update]
                    - nonResourceURLs: [/healthz, "/metrics*"]
                      verbs: [get]
                    """),
            objects("""
                    metadata: {name: everyone-leases}
                    roleRef: {kind: ClusterRole, name: lease-holder}
                    subjects: [{kind: Group, name: system:authenticated}]
                    """)));

    private static List<JsonNode> objects(String yaml) {
        try {
            return YAML.readValues(YAML.createParser(yaml), JsonNode.class).readAll();
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static UserInfo user(String name) {
        return new UserInfo(name, "", List.of(UserInfo.AUTHENTICATED));
    }

    private static RequestAttributes on(String user, String verb, String group, String resource, String sub,
            String namespace, String name) {
        return RequestAttributes.resource(user(user), verb, group, resource, sub, namespace, name);
    }

    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of("a Role's rule in its namespace", on("alice", "get", "nixpool.dev", "nixbuilds", "",
                        "team-a", "hello"), true),
                Arguments.of("list too", on("alice", "list", "nixpool.dev", "nixbuilds", "", "team-a", ""), true),
                Arguments.of("not a verb it lists", on("alice", "delete", "nixpool.dev", "nixbuilds", "", "team-a",
                        "hello"), false),
                Arguments.of("not in another namespace", on("alice", "get", "nixpool.dev", "nixbuilds", "", "team-b",
                        "hello"), false),
                Arguments.of("not another group", on("alice", "get", "", "nixbuilds", "", "team-a", "hello"), false),
                Arguments.of("a subresource is not the resource", on("alice", "get", "nixpool.dev", "nixbuilds",
                        "status", "team-a", "hello"), false),
                Arguments.of("resourceNames: that name", on("bob", "get", "nixpool.dev", "nixbuilds", "", "team-a",
                        "hello"), true),
                Arguments.of("resourceNames: another name", on("bob", "get", "nixpool.dev", "nixbuilds", "", "team-a",
                        "other"), false),
                Arguments.of("resourceNames never cover a list", on("bob", "list", "nixpool.dev", "nixbuilds", "",
                        "team-a", ""), false),
                Arguments.of("a ServiceAccount subject, ClusterRole by a RoleBinding", on(
                        "system:serviceaccount:ci:ci", "get", "", "pods", "log", "team-a", "p"), true),
                Arguments.of("a ClusterRole bound by a RoleBinding stays in that namespace", on(
                        "system:serviceaccount:ci:ci", "get", "", "pods", "log", "team-b", "p"), false),
                Arguments.of("another ServiceAccount of that name", on("system:serviceaccount:other:ci", "get", "",
                        "pods", "log", "team-a", "p"), false),
                Arguments.of("*/status", on("system:serviceaccount:ci:ci", "get", "", "services", "status",
                        "team-a", "s"), true),
                Arguments.of("services/* covers the proxy", on("system:serviceaccount:ci:ci", "get", "", "services",
                        "proxy", "team-a", "nixpool-operator:http"), true),
                Arguments.of("services/* is not services", on("system:serviceaccount:ci:ci", "get", "", "services",
                        "", "team-a", "s"), false),
                Arguments.of("a group subject, everywhere", on("anyone", "create", "coordination.k8s.io", "leases",
                        "", "team-z", ""), true),
                Arguments.of("a Role of another namespace is not found", on("eve", "get", "nixpool.dev", "nixbuilds",
                        "", "team-b", "hello"), false),
                Arguments.of("a dangling binding grants nothing", on("dora", "get", "nixpool.dev", "nixbuilds", "",
                        "team-a", "hello"), false),
                Arguments.of("* covers everything in its namespace, but only as a Role bound there", on("alice", "get",
                        "apps", "deployments", "", "team-b", "d"), false),
                Arguments.of("a non-resource URL", RequestAttributes.nonResource(user("x"), "get", "/healthz"), true),
                Arguments.of("a non-resource prefix", RequestAttributes.nonResource(user("x"), "get",
                        "/metrics/cadvisor"), true),
                Arguments.of("another non-resource URL", RequestAttributes.nonResource(user("x"), "get", "/logs"),
                        false),
                Arguments.of("system:masters may do anything", RequestAttributes.resource(new UserInfo("root", "",
                        List.of(UserInfo.MASTERS)), "delete", "", "namespaces", "", "kube-system", "kube-system"),
                        true),
                Arguments.of("an unauthenticated user is not in system:authenticated", RequestAttributes.resource(
                        new UserInfo("system:anonymous", "", List.of("system:unauthenticated")), "create",
                        "coordination.k8s.io", "leases", "", "team-a", ""), false));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void decides(String why, RequestAttributes request, boolean allowed) {
        assertThat(RBAC.authorize(request).allowed()).as(why).isEqualTo(allowed);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void saysWhichBindingAllowedIt(String why, RequestAttributes request, boolean allowed) {
        RbacAuthorizer.Decision decision = RBAC.authorize(request);
        if (allowed && !request.user().isMaster()) {
            assertThat(decision.reason()).as(why).startsWith("RBAC: allowed by ");
        } else if (!allowed) {
            assertThat(decision.reason()).as(why).isEmpty();
        }
    }
}

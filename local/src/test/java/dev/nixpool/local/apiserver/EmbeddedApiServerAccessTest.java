package dev.nixpool.local.apiserver;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;

import io.fabric8.kubernetes.api.model.EndpointsBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.authentication.TokenReview;
import io.fabric8.kubernetes.api.model.authentication.TokenReviewBuilder;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReviewBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;

/** Tokens, RBAC, the review APIs and the service proxy of the embedded API server, over HTTP. */
class EmbeddedApiServerAccessTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @RegisterExtension
    static final EmbeddedApiServerExtension API = new EmbeddedApiServerExtension();
    private static KubernetesClient admin;
    private static HttpServer backend;
    private static String alice;
    private static final Map<String, String> backendSaw = new TreeMap<>();

    @BeforeAll
    static void start() throws IOException {
        admin = API.server().client();
        alice = API.server().users().add("alice", List.of("developers"));
        for (String ns : List.of("team-a", "ops")) {
            admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
                    .create();
        }
        admin.rbac().roles().inNamespace("team-a").resource(new RoleBuilder().withNewMetadata().withName("builds")
                .endMetadata().addNewRule().withApiGroups("nixpool.dev").withResources("nixbuilds")
                .withVerbs("get", "list").endRule().build()).create();
        admin.rbac().roleBindings().inNamespace("team-a").resource(new RoleBindingBuilder().withNewMetadata()
                .withName("alice-builds").endMetadata().withNewRoleRef().withKind("Role").withName("builds")
                .withApiGroup("rbac.authorization.k8s.io").endRoleRef().addNewSubject().withKind("User")
                .withName("alice").endSubject().build()).create();
        admin.rbac().roles().inNamespace("ops").resource(new RoleBuilder().withNewMetadata().withName("proxy")
                .endMetadata().addNewRule().withApiGroups("").withResources("services/proxy")
                .withResourceNames("echo:http").withVerbs("get").endRule().build()).create();
        admin.rbac().roleBindings().inNamespace("ops").resource(new RoleBindingBuilder().withNewMetadata()
                .withName("developers-proxy").endMetadata().withNewRoleRef().withKind("Role").withName("proxy")
                .withApiGroup("rbac.authorization.k8s.io").endRoleRef().addNewSubject().withKind("Group")
                .withName("developers").endSubject().build()).create();

        backend = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        backend.createContext("/", exchange -> {
            synchronized (backendSaw) {
                backendSaw.clear();
                backendSaw.put("uri", exchange.getRequestURI().toString());
                exchange.getRequestHeaders().forEach((k, v) -> backendSaw.put(k.toLowerCase(), v.get(0)));
            }
            byte[] body = "hello from the backend\n".getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("X-Backend", "yes");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        backend.start();
        admin.services().inNamespace("ops").resource(new ServiceBuilder().withNewMetadata().withName("echo")
                .endMetadata().withNewSpec().addNewPort().withName("http").withPort(80).endPort().endSpec().build())
                .create();
        admin.endpoints().inNamespace("ops").resource(new EndpointsBuilder().withNewMetadata().withName("echo")
                .endMetadata().addNewSubset().addNewAddress().withIp("127.0.0.1").endAddress().addNewPort()
                .withName("http").withPort(backend.getAddress().getPort()).endPort().endSubset().build()).create();
    }

    @AfterAll
    static void stop() {
        if (backend != null) {
            backend.stop(0);
        }
    }

    private static HttpResponse<String> get(String path, String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(API.server().url() + path));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return HTTP.send(request.header("X-Nixpool-Authorization", "Bearer passed-on").build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void anUnknownTokenIsUnauthorizedWithAStatus() throws Exception {
        HttpResponse<String> response = get("/api/v1/namespaces", "not-a-token");
        assertThat(response.statusCode()).isEqualTo(401);
        JsonNode status = JSON.readTree(response.body());
        assertThat(status.path("kind").asText()).isEqualTo("Status");
        assertThat(status.path("reason").asText()).isEqualTo("Unauthorized");
    }

    @Test
    void aUserMayDoWhatRbacGrantsAndNothingElse() throws Exception {
        assertThat(get("/apis/nixpool.dev/v1alpha1/namespaces/team-a/nixbuilds", alice).statusCode()).isEqualTo(200);
        HttpResponse<String> elsewhere = get("/apis/nixpool.dev/v1alpha1/namespaces/default/nixbuilds", alice);
        assertThat(elsewhere.statusCode()).isEqualTo(403);
        JsonNode status = JSON.readTree(elsewhere.body());
        assertThat(status.path("reason").asText()).isEqualTo("Forbidden");
        assertThat(status.path("message").asText()).isEqualTo("nixbuilds.nixpool.dev is forbidden: User \"alice\" "
                + "cannot list resource \"nixbuilds\" in API group \"nixpool.dev\" in the namespace \"default\"");
        assertThat(get("/api/v1/namespaces/team-a/secrets/x", alice).statusCode()).isEqualTo(403);
        assertThat(get("/apis", alice).statusCode()).as("discovery is open to every authenticated user")
                .isEqualTo(200);
    }

    @Test
    void tokenReviewsSayWhoseTokenItIs() {
        TokenReview review = admin.resource(new TokenReviewBuilder().withNewSpec().withToken(alice).endSpec().build())
                .create();
        assertThat(review.getStatus().getAuthenticated()).isTrue();
        assertThat(review.getStatus().getUser().getUsername()).isEqualTo("alice");
        assertThat(review.getStatus().getUser().getGroups()).containsExactly("developers", "system:authenticated");
        TokenReview unknown = admin.resource(new TokenReviewBuilder().withNewSpec().withToken("nope").endSpec()
                .build()).create();
        assertThat(unknown.getStatus().getAuthenticated()).isFalse();
    }

    @Test
    void subjectAccessReviewsAreRbacsDecision() {
        assertThat(review("team-a", "hello").getStatus().getAllowed()).isTrue();
        assertThat(review("team-a", "hello").getStatus().getReason())
                .isEqualTo("RBAC: allowed by RoleBinding \"alice-builds/team-a\" of Role \"builds\" to User \"alice\"");
        assertThat(review("default", "hello").getStatus().getAllowed()).isFalse();
    }

    private static SubjectAccessReview review(String namespace, String name) {
        return admin.resource(new SubjectAccessReviewBuilder().withNewSpec().withUser("alice")
                .withGroups("developers", "system:authenticated").withNewResourceAttributes().withVerb("get")
                .withGroup("nixpool.dev").withResource("nixbuilds").withNamespace(namespace).withName(name)
                .endResourceAttributes().endSpec().build()).create();
    }

    @Test
    void aUserWithoutTheRightToCreateReviewsMayNot() throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(API.server().url()
                + AccessControl.TOKEN_REVIEWS)).header("Authorization", "Bearer " + alice)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"spec\":{\"token\":\"" + alice + "\"}}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(403);
    }

    @Test
    void theServiceProxyForwardsToAnEndpointWithoutTheCallersAuthorization() throws Exception {
        HttpResponse<String> response = get("/api/v1/namespaces/ops/services/echo:http/proxy/some/path?x=1", alice);
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("hello from the backend\n");
        assertThat(response.headers().firstValue("X-Backend")).hasValue("yes");
        synchronized (backendSaw) {
            assertThat(backendSaw).containsEntry("uri", "/some/path?x=1")
                    .containsEntry("x-nixpool-authorization", "Bearer passed-on")
                    .doesNotContainKey("authorization");
        }
        assertThat(get("/api/v1/namespaces/ops/services/echo/proxy/", alice).statusCode())
                .as("the rule names echo:http, not echo").isEqualTo(403);
        assertThat(get("/api/v1/namespaces/ops/services/none:http/proxy/", null).statusCode()).isEqualTo(404);
    }
}

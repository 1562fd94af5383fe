package dev.nixpool.local.apiserver;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Writes of the repository's own CRDs' resources over HTTP, as kubectl and the operator send them: creates, updates,
 * patches, status and scale writes are pruned, defaulted and validated against the CRD schema and its CEL rules.
 */
class CustomResourceAdmissionTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String MACHINES = "/apis/nixpool.dev/v1alpha1/namespaces/default/buildmachines";
    private static final String BUILDS = "/apis/nixpool.dev/v1alpha1/namespaces/default/nixbuilds";
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @RegisterExtension
    static final EmbeddedApiServerExtension API = new EmbeddedApiServerExtension();

    record Answer(int code, JsonNode body, java.util.List<String> warnings) {
        String message() {
            return body.path("message").asText();
        }
    }

    private static Answer send(String method, String path, String contentType, String body) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(API.server().url() + path))
                .header("Content-Type", contentType)
                .method(method, body == null
                        ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body))
                .build();
        HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        return new Answer(response.statusCode(), JSON.readTree(response.body()),
                response.headers().allValues("Warning"));
    }

    private static Answer create(String collection, String body) throws Exception {
        return send("POST", collection, "application/json", body);
    }

    private static String machine(String name, String spec) {
        return """
                {"apiVersion":"nixpool.dev/v1alpha1","kind":"BuildMachine","metadata":{"name":"%s"},"spec":%s}"""
                .formatted(name, spec);
    }

    @Test
    void aCreateIsDefaultedPrunedAndWarnedAbout() throws Exception {
        Answer created = create(MACHINES, machine("defaulted",
                "{\"systems\":[\"x86_64-linux\"],\"maxjobs\":4}").replace("}}", "},\"status\":{\"builders\":9}}"));
        assertThat(created.code()).isEqualTo(201);
        JsonNode spec = created.body().path("spec");
        assertThat(spec.path("maxJobs").asInt()).isEqualTo(1);
        assertThat(spec.path("maxBuilders").asInt()).isEqualTo(10);
        assertThat(spec.path("ephemeral").asBoolean()).isTrue();
        assertThat(spec.has("maxjobs")).isFalse();
        assertThat(created.body().has("status")).isFalse();
        assertThat(created.warnings()).containsExactly("299 - \"unknown field \\\"spec.maxjobs\\\"\"");
    }

    @Test
    void strictFieldValidationRefusesUnknownFields() throws Exception {
        Answer refused = create(MACHINES + "?fieldValidation=Strict",
                machine("strict", "{\"systems\":[\"x86_64-linux\"],\"maxjobs\":4}"));
        assertThat(refused.code()).isEqualTo(400);
        assertThat(refused.message()).isEqualTo("BuildMachine in version \"v1alpha1\" cannot be handled as a"
                + " BuildMachine: strict decoding error: unknown field \"spec.maxjobs\"");
    }

    @Test
    void anInvalidCreateIsRefusedWithEveryFieldError() throws Exception {
        Answer refused = create(MACHINES, machine("invalid", "{\"systems\":[\"x86_64-linux\"],\"maxJobs\":0,"
                + "\"speedFactor\":0,\"mandatoryFeatures\":[\"-kvm\"]}"));
        assertThat(refused.code()).isEqualTo(422);
        assertThat(refused.body().path("reason").asText()).isEqualTo("Invalid");
        assertThat(refused.message()).startsWith("BuildMachine.nixpool.dev \"invalid\" is invalid: [")
                .contains("spec.maxJobs: Invalid value: 0: spec.maxJobs in body should be greater than or equal to 1")
                .contains("spec.speedFactor: Invalid value: 0: spec.speedFactor in body should be greater than 0")
                .contains("spec.mandatoryFeatures[0]: Invalid value: \"-kvm\": spec.mandatoryFeatures[0] in body"
                        + " should match '^[A-Za-z0-9][A-Za-z0-9_.+-]{0,62}$'");
        assertThat(refused.body().path("details").path("causes").get(0).path("reason").asText())
                .isEqualTo("FieldValueInvalid");
        assertThat(send("GET", MACHINES + "/invalid", "application/json", null).code()).isEqualTo(404);
    }

    @Test
    void celRulesRunAfterTheSchemaUnlessItBlocksThem() throws Exception {
        Answer rule = create(MACHINES,
                machine("rule", "{\"systems\":[\"x86_64-linux\"],\"minIdle\":3,\"maxBuilders\":2}"));
        assertThat(rule.code()).isEqualTo(422);
        assertThat(rule.message()).isEqualTo("BuildMachine.nixpool.dev \"rule\" is invalid: spec: Invalid value:"
                + " \"object\": minIdle must not exceed maxBuilders");
        Answer blocked = create(MACHINES, machine("blocked", "{\"minIdle\":3,\"maxBuilders\":2}"));
        assertThat(blocked.message()).isEqualTo("BuildMachine.nixpool.dev \"blocked\" is invalid: [spec.systems:"
                + " Required value, <nil>: Invalid value: \"null\": some validation rules were not checked because"
                + " the object was invalid; correct the existing errors to complete validation]");
        Answer none = create(BUILDS, """
                {"apiVersion":"nixpool.dev/v1alpha1","kind":"NixBuild","metadata":{"name":"none"},"spec":{}}""");
        assertThat(none.message()).isEqualTo("NixBuild.nixpool.dev \"none\" is invalid: spec: Invalid value:"
                + " \"object\": exactly one of derivation, expression or flake must be set");
    }

    @Test
    void updatesPatchesStatusAndScaleWritesAreValidatedToo() throws Exception {
        assertThat(create(MACHINES, machine("pool", "{\"systems\":[\"x86_64-linux\"],\"maxBuilders\":2}")).code())
                .isEqualTo(201);
        Answer patched = send("PATCH", MACHINES + "/pool", "application/merge-patch+json",
                "{\"spec\":{\"maxJobs\":-1}}");
        assertThat(patched.code()).isEqualTo(422);
        assertThat(patched.message()).contains("spec.maxJobs: Invalid value: -1");
        Answer scaled = send("PATCH", MACHINES + "/pool/scale", "application/merge-patch+json",
                "{\"spec\":{\"replicas\":3}}");
        assertThat(scaled.code()).isEqualTo(422);
        assertThat(scaled.message()).contains("minIdle must not exceed maxBuilders");
        Answer status = send("PATCH", MACHINES + "/pool/status", "application/merge-patch+json",
                "{\"status\":{\"builders\":\"many\",\"surplus\":1}}");
        assertThat(status.code()).isEqualTo(422);
        assertThat(status.message()).contains("status.builders: Invalid value: \"string\"");
        Answer fine = send("PATCH", MACHINES + "/pool/status", "application/merge-patch+json",
                "{\"status\":{\"builders\":1,\"surplus\":1}}");
        assertThat(fine.code()).isEqualTo(200);
        assertThat(fine.body().path("status").path("builders").asInt()).isEqualTo(1);
        assertThat(fine.body().path("status").has("surplus")).isFalse();
        JsonNode stored = send("GET", MACHINES + "/pool", "application/json", null).body();
        assertThat(stored.path("spec").path("maxJobs").asInt()).isEqualTo(1);
        assertThat(stored.path("spec").path("minIdle").asInt()).isZero();
    }

    @Test
    void badNamesAreRefused() throws Exception {
        Answer refused = create(MACHINES, machine("Bad_Name", "{\"systems\":[\"x86_64-linux\"]}"));
        assertThat(refused.code()).isEqualTo(422);
        assertThat(refused.message()).startsWith("BuildMachine.nixpool.dev \"Bad_Name\" is invalid: metadata.name:"
                + " Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain must consist of");
    }
}

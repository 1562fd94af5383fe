package dev.nixpool.local.apiserver;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.RecordedRequest;

class StoreListsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void theMocksListBecomesTheApiServersListWithItsItemsUntouched() throws Exception {
        ObservableCrudStore store = new ObservableCrudStore();
        for (String name : new String[]{"a", "b"}) {
            String body = "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"" + name
                    + "\",\"namespace\":\"ns\"},\"data\":{\"tricky\":\"], \\\"metadata\\\": {\\\"resourceVersion\\\":"
                    + " \\\"\"}}";
            store.handleCreate(new RecordedRequest("HTTP/1.1", HttpMethod.POST, "/api/v1/namespaces/ns/configmaps",
                    Headers.builder().add("Content-Type", "application/json").build(),
                    new Buffer(body.getBytes(StandardCharsets.UTF_8))));
        }
        String composed = store.handleGet("/api/v1/namespaces/ns/configmaps").getBody().readUtf8();

        JsonNode list = JSON.readTree(StoreLists.relabel(composed, "v1", "ConfigMapList").orElseThrow());

        JsonNode mocks = JSON.readTree(composed);
        assertThat(list.path("apiVersion").asText()).isEqualTo("v1");
        assertThat(list.path("kind").asText()).isEqualTo("ConfigMapList");
        assertThat(list.path("metadata").path("resourceVersion").asText())
                .isEqualTo(mocks.path("metadata").path("resourceVersion").asText()).isNotEmpty();
        assertThat(list.path("items")).isEqualTo(mocks.path("items")).hasSize(2);
        assertThat(list.path("items").get(1).path("data").path("tricky").asText()).contains("resourceVersion");
    }

    @Test
    void anEmptyListKeepsItsEnvelope() throws Exception {
        ObservableCrudStore store = new ObservableCrudStore();
        String composed = store.handleGet("/api/v1/namespaces/ns/secrets").getBody().readUtf8();

        JsonNode list = JSON.readTree(StoreLists.relabel(composed, "v1", "SecretList").orElseThrow());

        assertThat(list.path("items").isArray()).isTrue();
        assertThat(list.path("items")).isEmpty();
    }

    @Test
    void anythingButTheExpectedEnvelopeIsLeftToTheParser() {
        assertThat(StoreLists.relabel("{\"kind\":\"APIResourceList\"}", "v1", "List")).isEmpty();
        assertThat(StoreLists.relabel("{\"apiVersion\":\"v1\",\"kind\":\"List\", \"items\": [], \"metadata\":"
                + " {\"resourceVersion\": \"x\"}}", "v1", "List")).isEmpty();
    }
}

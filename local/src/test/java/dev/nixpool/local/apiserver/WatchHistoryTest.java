package dev.nixpool.local.apiserver;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;

/**
 * A watch from a resourceVersion before a deletion is told of it, as {@code kubectl delete --wait} needs: it lists the
 * object, then watches from the list's resourceVersion, and the object may be gone in between.
 */
class WatchHistoryTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @RegisterExtension
    static final EmbeddedApiServerExtension API = new EmbeddedApiServerExtension();

    private static String get(String pathAndQuery) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(API.server().url() + pathAndQuery)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    private static void create(String name) {
        API.client().resource(new ConfigMapBuilder().withNewMetadata().withName(name).endMetadata()
                .withData(Map.of("k", "v")).build()).create();
    }

    @Test
    void aDeletionBetweenTheListAndTheWatchIsReplayedAsDeletedOnlyToWatchesFromBeforeIt() throws Exception {
        create("gone");
        create("stays");
        String collection = "/api/v1/namespaces/default/configmaps";
        String listed = JSON.readTree(get(collection + "?fieldSelector=metadata.name%3Dgone"))
                .path("metadata").path("resourceVersion").asText();
        API.client().configMaps().withName("gone").delete();

        String fromBefore = get(collection + "?watch=1&fieldSelector=metadata.name%3Dgone&resourceVersion=" + listed
                + "&timeoutSeconds=1");
        assertThat(fromBefore.lines().map(l -> l.replace(" ", ""))).singleElement().asString()
                .startsWith("{\"type\":\"DELETED\"").contains("\"name\":\"gone\"");

        String now = JSON.readTree(get(collection)).path("metadata").path("resourceVersion").asText();
        assertThat(get(collection + "?watch=1&resourceVersion=" + now + "&timeoutSeconds=1"))
                .as("a watch from after the deletion").doesNotContain("DELETED");
        assertThat(get(collection + "?watch=1&fieldSelector=metadata.name%3Dstays&resourceVersion=" + listed
                + "&timeoutSeconds=1")).as("another object's watch").doesNotContain("DELETED");
    }
}

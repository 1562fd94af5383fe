package dev.nixpool.local.apiserver;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;

/** {@link EmbeddedApiServer#observe}: what an in-process observer sees of the store's writes. */
class StoredObjectsTest {

    @RegisterExtension
    static final EmbeddedApiServerExtension API = new EmbeddedApiServerExtension();

    @BeforeAll
    static void start() {
        API.client().namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("elsewhere").endMetadata()
                .build()).create();
    }

    private static ConfigMap map(String namespace, String name, String value) {
        return new ConfigMapBuilder().withNewMetadata().withName(name).withNamespace(namespace).endMetadata()
                .withData(Map.of("v", value)).build();
    }

    @Test
    void everyWriteOfTheTypeAndNamespaceAsStoredThenTheDeleteThenNothingOnceClosed() {
        List<String> seen = new CopyOnWriteArrayList<>();
        try (EmbeddedApiServer.Observation ignored = API.server().observe("", "configmaps", "default",
                (name, object) -> seen.add(name + "=" + (object == null
                        ? "deleted"
                        : object.path("data").path("v").asText() + "@"
                                + object.path("metadata").path("resourceVersion").asText())))) {
            API.client().resource(map("default", "a", "1")).create();
            API.client().resource(map("elsewhere", "a", "other namespace")).create();
            ConfigMap stored = API.client().configMaps().inNamespace("default").withName("a").get();
            API.client().configMaps().inNamespace("default").withName("a").edit(m -> {
                m.getData().put("v", "2");
                return m;
            });
            ConfigMap updated = API.client().configMaps().inNamespace("default").withName("a").get();
            API.client().configMaps().inNamespace("default").withName("a").delete();
            assertThat(seen).containsExactly("a=1@" + stored.getMetadata().getResourceVersion(),
                    "a=2@" + updated.getMetadata().getResourceVersion(), "a=deleted");
        }
        API.client().resource(map("default", "b", "after")).create();
        assertThat(seen).hasSize(3);
    }
}

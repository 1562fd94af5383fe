package dev.nixpool.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.nixpool.api.v1alpha1.NixBuildPhase;

class ScaleObserverTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, String> BUILDER = Map.of("app.kubernetes.io/component", "builder");

    private static JsonNode tree(String json) throws Exception {
        return JSON.readTree(json.replace('\'', '"'));
    }

    @Test
    void aBuildIsPlacedWithABuilderOrAQueuePositionAndCountedOnce() throws Exception {
        ScaleObserver observer = new ScaleObserver(BUILDER);
        observer.build("a", tree("{'status':{}}"));
        observer.build("b", tree("{'status':{'phase':'Pending'}}"));
        assertThat(observer.placedCount()).isZero();
        observer.build("a", tree("{'status':{'phase':'Pending','queuePosition':3}}"));
        long first = observer.lastPlacedAt();
        observer.build("a", tree("{'status':{'phase':'Scheduled'}}"));
        observer.build("b", tree("{'status':{'phase':'Building'}}"));
        assertThat(observer.placedCount()).isEqualTo(2);
        assertThat(observer.lastPlacedAt()).isGreaterThanOrEqualTo(first);
        observer.build("a", tree("{'status':{'phase':'Succeeded'}}"));
        observer.build("a", null);
        observer.build("b", tree("{'status':{'phase':'Failed'}}"));
        observer.build("c", tree("{'status':{'phase':'SomethingNew'}}"));
        assertThat(observer.finished(NixBuildPhase.Succeeded)).isEqualTo(1);
        assertThat(observer.finished(NixBuildPhase.Failed)).isEqualTo(1);
        assertThat(observer.placedCount()).isEqualTo(2);
    }

    @Test
    void onlyBuilderPodsAreCountedAndTheMostAtOnceKept() throws Exception {
        ScaleObserver observer = new ScaleObserver(BUILDER);
        JsonNode builder = tree("{'metadata':{'labels':{'app.kubernetes.io/component':'builder','x':'y'}}}");
        observer.pod("p1", builder);
        observer.pod("p1", builder);
        observer.pod("p2", builder);
        observer.pod("other", tree("{'metadata':{'labels':{'app.kubernetes.io/component':'web'}}}"));
        observer.pod("bare", tree("{'metadata':{}}"));
        observer.pod("p1", null);
        observer.pod("p3", builder);
        assertThat(observer.mostBuilderPods()).isEqualTo(2);
    }
}

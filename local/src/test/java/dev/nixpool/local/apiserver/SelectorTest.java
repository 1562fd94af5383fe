package dev.nixpool.local.apiserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

class SelectorTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void fieldSelectorsAddressDottedPaths() throws Exception {
        JsonNode event = JSON.readTree("""
                {"metadata":{"name":"e1","namespace":"ns"},
                 "involvedObject":{"kind":"NixBuild","name":"hello","namespace":"ns","uid":"u-1"}}""");
        assertThat(Selector.fields("involvedObject.name=hello,involvedObject.namespace=ns,involvedObject.kind=NixBuild,"
                + "involvedObject.uid=u-1").matches(event)).isTrue();
        assertThat(Selector.fields("involvedObject.name=other").matches(event)).isFalse();
        assertThat(Selector.fields("metadata.name==e1").matches(event)).isTrue();
        assertThat(Selector.fields("metadata.name!=e1").matches(event)).isFalse();
        assertThat(Selector.fields("involvedObject.fieldPath=").matches(event)).as("absent equals empty").isTrue();
        assertThat(Selector.fields("").matches(event)).isTrue();
    }

    @Test
    void labelSelectorsSupportEqualityAndExistence() throws Exception {
        JsonNode pod = JSON.readTree("{\"metadata\":{\"labels\":{\"app\":\"builder\",\"tier\":\"x\"}}}");
        assertThat(Selector.labels("app=builder,tier").matches(pod)).isTrue();
        assertThat(Selector.labels("app!=builder").matches(pod)).isFalse();
        assertThat(Selector.labels("!missing").matches(pod)).isTrue();
        assertThat(Selector.labels("missing").matches(pod)).isFalse();
    }

    @Test
    void rejectsFieldRequirementsWithoutAnOperator() {
        assertThatThrownBy(() -> Selector.fields("metadata.name")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("invalid field selector requirement 'metadata.name': expected key=value, key==value or"
                        + " key!=value");
    }
}

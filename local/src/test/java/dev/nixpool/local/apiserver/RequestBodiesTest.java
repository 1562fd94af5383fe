package dev.nixpool.local.apiserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

class RequestBodiesTest {

    @Test
    void jsonYamlAndAYamlFlowMappingReadToTheSameTree() throws IOException {
        JsonNode json = ApiRequestRouter.readBody(" \n{\"metadata\":{\"name\":\"a\"},\"spec\":{\"n\":3,\"on\":true}}");
        JsonNode yaml = ApiRequestRouter.readBody("metadata:\n  name: a\nspec:\n  n: 3\n  \"on\": true\n");
        JsonNode flow = ApiRequestRouter.readBody("{metadata: {name: a}, spec: {n: 3, \"on\": true}}");
        assertThat(json).isEqualTo(yaml).isEqualTo(flow);
        assertThat(json.at("/spec/n").isIntegralNumber()).isTrue();
        assertThat(ApiRequestRouter.readBody("[1, 2]").size()).isEqualTo(2);
    }

    @Test
    void aBodyThatIsNeitherIsRefused() {
        assertThatThrownBy(() -> ApiRequestRouter.readBody("{\"a\": [1,")).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> ApiRequestRouter.readBody("a: b: c")).isInstanceOf(IOException.class);
    }
}

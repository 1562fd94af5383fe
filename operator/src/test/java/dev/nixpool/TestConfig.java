package dev.nixpool;

import java.util.HashMap;
import java.util.Map;

import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;

import dev.nixpool.config.NixpoolConfig;

/** The operator's typed settings without Quarkus: the mapping's defaults plus the given overrides. */
public final class TestConfig {

    private TestConfig() {
    }

    public static NixpoolConfig nixpool(Map<String, String> overrides) {
        Map<String, String> properties = new HashMap<>(overrides);
        SmallRyeConfig config = new SmallRyeConfigBuilder()
                .withMapping(NixpoolConfig.class)
                .withSources(new PropertiesConfigSource(properties, "test", 500))
                .build();
        return config.getConfigMapping(NixpoolConfig.class);
    }
}

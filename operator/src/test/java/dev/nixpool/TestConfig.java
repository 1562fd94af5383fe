package dev.nixpool;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;

import dev.nixpool.config.NixpoolConfig;

/** The operator's typed settings without Quarkus: the mapping's defaults, system properties and environment, and the given overrides (which win). */
public final class TestConfig {

    private TestConfig() {
    }

    public static NixpoolConfig nixpool(Map<String, String> overrides) {
        Map<String, String> properties = new HashMap<>(overrides);
        SmallRyeConfig config = new SmallRyeConfigBuilder()
                .addDefaultInterceptors()
                .addDefaultSources()
                .withValidateUnknown(false)
                .withConverter(Duration.class, 200, new DurationConverter())
                .withMapping(NixpoolConfig.class)
                .withSources(new PropertiesConfigSource(properties, "test", 500))
                .build();
        return config.getConfigMapping(NixpoolConfig.class);
    }
}

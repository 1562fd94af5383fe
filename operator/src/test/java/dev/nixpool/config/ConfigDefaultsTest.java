package dev.nixpool.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.lang.reflect.Method;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.smallrye.config.WithDefault;

import dev.nixpool.TestConfig;

/**
 * Every setting's default lives in one place, application.properties: no {@code @WithDefault} on a setting (only on a
 * field of a list element the user writes, which a properties file cannot default), a default for every setting that
 * is not optional, and no key there that names no setting.
 */
class ConfigDefaultsTest {

    private static final String PREFIX = "nixpool.";

    /** A setting: its key, whether it may be absent, and whether it carries its own default. */
    private record Setting(String key, boolean optional, boolean withDefault) {
    }

    private static Properties properties;
    private static final List<Setting> settings = new ArrayList<>();
    /** Keys whose entries the user names (maps): application.properties may fill them with any keys below. */
    private static final List<String> maps = new ArrayList<>();
    /** Fields of elements of lists and maps of groups that carry their own default. */
    private static final Set<String> elementDefaults = new TreeSet<>();

    @BeforeAll
    static void read() throws Exception {
        properties = new Properties();
        try (InputStream in = ConfigDefaultsTest.class.getResourceAsStream("/application.properties")) {
            properties.load(in);
        }
        walk(NixpoolConfig.class, PREFIX, false);
    }

    private static void walk(Class<?> group, String prefix, boolean element) {
        for (Method method : group.getDeclaredMethods()) {
            if (method.isDefault() || method.getParameterCount() > 0) {
                continue;
            }
            String key = prefix + kebab(method.getName());
            Type type = method.getGenericReturnType();
            Class<?> raw = method.getReturnType();
            boolean optional = raw == Optional.class;
            if (optional) {
                type = argument(type, 0);
                raw = rawClass(type);
            }
            if (raw == Map.class) {
                maps.add(key + ".");
                Class<?> value = rawClass(argument(type, 1));
                if (isGroup(value)) {
                    walk(value, key + ".*.", true);
                }
            } else if (raw == List.class && isGroup(rawClass(argument(type, 0)))) {
                maps.add(key + "[");
                walk(rawClass(argument(type, 0)), key + "[*].", true);
            } else if (isGroup(raw)) {
                walk(raw, key + ".", element);
            } else if (element) {
                if (method.isAnnotationPresent(WithDefault.class)) {
                    elementDefaults.add(key);
                }
            } else {
                settings.add(new Setting(key, optional, method.isAnnotationPresent(WithDefault.class)));
            }
        }
    }

    @Test
    void noSettingCarriesADefaultOfItsOwn() {
        assertThat(settings).as("settings found").hasSizeGreaterThan(60);
        assertThat(settings).filteredOn(Setting::withDefault).extracting(Setting::key)
                .as("defaults belong in application.properties").isEmpty();
        assertThat(elementDefaults).as("per-element defaults application.properties cannot give")
                .containsExactly("nixpool.features.*.tolerations[*].operator");
    }

    @Test
    void everySettingThatMustHaveAValueHasOneDefaultInApplicationProperties() {
        assertThat(settings).filteredOn(s -> !s.optional() && !properties.containsKey(s.key()))
                .extracting(Setting::key).as("no default anywhere").isEmpty();
    }

    @Test
    void everyKeyInApplicationPropertiesIsASetting() {
        Set<String> known = new TreeSet<>();
        settings.forEach(s -> known.add(s.key()));
        assertThat(properties.stringPropertyNames()).filteredOn(k -> k.startsWith(PREFIX))
                .filteredOn(k -> maps.stream().noneMatch(k::startsWith))
                .as("keys naming no setting").allMatch(known::contains);
    }

    @Test
    void theTestsSeeTheDefaultsOfApplicationProperties() {
        NixpoolConfig config = TestConfig.nixpool(Map.of());

        assertThat(config.builder().sshPort()).isEqualTo(2222);
        assertThat(config.session().keepAliveMaxMissed()).isEqualTo(3);
        assertThat(config.gateway().port()).isEqualTo(2222);
        assertThat(config.runner().defaultBuildTimeout()).hasValueSatisfying(d -> assertThat(d).hasHours(24));
    }

    private static boolean isGroup(Class<?> type) {
        return type.isInterface() && type.getEnclosingClass() == NixpoolConfig.class || type == NixpoolConfig.class;
    }

    private static Type argument(Type type, int index) {
        return ((ParameterizedType) type).getActualTypeArguments()[index];
    }

    private static Class<?> rawClass(Type type) {
        return type instanceof ParameterizedType p ? (Class<?>) p.getRawType() : (Class<?>) type;
    }

    private static String kebab(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase();
    }
}

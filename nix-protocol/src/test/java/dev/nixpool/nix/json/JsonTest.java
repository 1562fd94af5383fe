package dev.nixpool.nix.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class JsonTest {

    @Test
    void readsWhatNixWritesForStructuredAttrsAndRealisations() throws Exception {
        Object attrs = Json.parse("""
                {"builder":"/bin/sh","requiredSystemFeatures":["kvm","big-parallel"],"n":-12,"f":1.5e3,
                 "ok":true,"no":false,"nothing":null,"nested":{"list":[[],{}]},"esc":"a\\"b\\\\c\\n\\u00e9\\/"}
                """);
        Map<String, Object> expected = new LinkedHashMap<>();
        expected.put("builder", "/bin/sh");
        expected.put("requiredSystemFeatures", List.of("kvm", "big-parallel"));
        expected.put("n", -12L);
        expected.put("f", 1500.0);
        expected.put("ok", true);
        expected.put("no", false);
        expected.put("nothing", null);
        expected.put("nested", Map.of("list", List.of(List.of(), Map.of())));
        expected.put("esc", "a\"b\\c\né/");
        assertThat(attrs).isEqualTo(expected);
    }

    @Test
    void quoteRoundTripsEveryCharacterClass() throws Exception {
        String s = "plain \"quoted\" back\\slash \n\r\t \u0001 é ∑";
        assertThat(Json.parse(Json.quote(s))).isEqualTo(s);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "'{\"a\":1'|unexpected end of JSON",
            "'[1 2]'|expected ',' or ']' in an array",
            "'{a:1}'|expected a string key",
            "'\"\\q\"'|bad escape",
            "'tru'|unexpected token",
            "'{} x'|unexpected text after the JSON value",
            "''|unexpected end of JSON",
            "'\"\\u12\"'|truncated \\u escape",
            "'\"\\uzzzz\"'|bad \\u escape",
            "'1.2.3'|bad number"})
    void malformedInputGetsATypedErrorWithItsOffset(String text, String message) {
        assertThatThrownBy(() -> Json.parse(text)).isInstanceOf(JsonFormatException.class)
                .hasMessageContaining(message).hasMessageContaining("at offset");
    }

    @Test
    void deepNestingIsRefusedInsteadOfOverflowingTheStack() {
        char[] open = new char[100_000];
        Arrays.fill(open, '[');
        assertThatThrownBy(() -> Json.parse(new String(open))).isInstanceOf(JsonFormatException.class)
                .hasMessageContaining("nested deeper than " + Json.MAX_DEPTH);
    }

    @Test
    void randomInputNeverFailsWithAnythingButATypedError() {
        Random random = new Random(42);
        String alphabet = "{}[]\",:\\u0123456789.eE+-truefalsnl x";
        for (int i = 0; i < 100_000; i++) {
            StringBuilder b = new StringBuilder();
            int length = random.nextInt(24);
            for (int j = 0; j < length; j++) {
                b.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            try {
                Json.parse(b.toString());
            } catch (JsonFormatException expected) {
                // the only failure allowed
            }
        }
    }
}

package dev.nixpool.local.apiserver;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import com.fasterxml.jackson.databind.ObjectMapper;

class MergePatchTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The test cases of RFC 7386, appendix A, plus the strategic-merge directives that are dropped. */
    @ParameterizedTest(name = "{0} + {1} = {2}")
    @CsvSource(delimiter = '|', value = {
            "{\"a\":\"b\"}                | {\"a\":\"c\"}               | {\"a\":\"c\"}",
            "{\"a\":\"b\"}                | {\"b\":\"c\"}               | {\"a\":\"b\",\"b\":\"c\"}",
            "{\"a\":\"b\"}                | {\"a\":null}                | {}",
            "{\"a\":\"b\",\"b\":\"c\"}    | {\"a\":null}                | {\"b\":\"c\"}",
            "{\"a\":[\"b\"]}              | {\"a\":\"c\"}               | {\"a\":\"c\"}",
            "{\"a\":\"c\"}                | {\"a\":[\"b\"]}             | {\"a\":[\"b\"]}",
            "{\"a\":{\"b\":\"c\"}}        | {\"a\":{\"b\":\"d\",\"c\":null}} | {\"a\":{\"b\":\"d\"}}",
            "{\"a\":[{\"b\":\"c\"}]}      | {\"a\":[1]}                 | {\"a\":[1]}",
            "[\"a\",\"b\"]                | [\"c\",\"d\"]               | [\"c\",\"d\"]",
            "{\"a\":\"b\"}                | [\"c\"]                     | [\"c\"]",
            "{\"a\":\"foo\"}              | null                        | null",
            "{\"a\":\"foo\"}              | \"bar\"                     | \"bar\"",
            "{\"e\":null}                 | {\"a\":1}                   | {\"e\":null,\"a\":1}",
            "[1,2]                        | {\"a\":\"b\",\"c\":null}    | {\"a\":\"b\"}",
            "{}                           | {\"a\":{\"bb\":{\"ccc\":null}}} | {\"a\":{\"bb\":{}}}",
            "{\"s\":[\"x86_64-linux\"]}   | {\"s\":[\"aarch64-linux\"],\"$setElementOrder/s\":[\"aarch64-linux\"]} | {\"s\":[\"aarch64-linux\"]}"})
    void appliesRfc7386(String target, String patch, String expected) throws Exception {
        assertThat(MergePatch.apply(JSON.readTree(target), JSON.readTree(patch))).isEqualTo(JSON.readTree(expected));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {"{\"a\":{\"b\":[1,2]}} | {\"a\":{\"b\":[3]}}"})
    void leavesTheTargetUntouched(String target, String patch) throws Exception {
        var before = JSON.readTree(target);
        MergePatch.apply(before, JSON.readTree(patch));
        assertThat(before).isEqualTo(JSON.readTree(target));
    }
}

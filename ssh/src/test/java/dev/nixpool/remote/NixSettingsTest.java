package dev.nixpool.remote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Which per-build Nix settings may go on a builder's command line, and how a refusal reads. */
class NixSettingsTest {

    private static final String KEY = "cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY=";

    @Test
    void urlsAndKeysAreKeptInOrder() {
        NixSettings s = NixSettings.of(List.of("https://cache.nixos.org", "s3://b?region=eu-west-1&endpoint=x:9000",
                "file:///var/cache"), List.of(KEY));
        assertThat(s.substituters()).containsExactly("https://cache.nixos.org",
                "s3://b?region=eu-west-1&endpoint=x:9000", "file:///var/cache");
        assertThat(s.trustedPublicKeys()).containsExactly(KEY);
        assertThat(s.isEmpty()).isFalse();
    }

    @Test
    void absentListsAreNone() {
        NixSettings s = NixSettings.of(null, null);
        assertThat(s).isEqualTo(NixSettings.NONE);
        assertThat(s.isEmpty()).isTrue();
    }

    @Test
    void theListsAreCopies() {
        List<String> caches = new ArrayList<>(List.of("https://a.example"));
        NixSettings s = NixSettings.of(caches, List.of());
        caches.add("https://b.example");
        assertThat(s.substituters()).containsExactly("https://a.example");
        assertThatThrownBy(() -> s.substituters().add("x")).isInstanceOf(UnsupportedOperationException.class);
    }

    static Stream<Arguments> refused() {
        return Stream.of(
                Arguments.of("https://a.example https://b.example", "substituters[0] must be one word"),
                Arguments.of("https://a.example\thttps://b", "substituters[0] must be one word"),
                Arguments.of("https://a.example\n--option require-sigs false", "got 'https://a.example\\u000a--option"),
                Arguments.of("https://a.example'; touch /tmp/pwned; '", "must be one word"),
                Arguments.of("https://a.example\"", "must be one word"),
                Arguments.of("https://`id`.example", "must be one word"),
                Arguments.of("https://a.example\\", "must be one word"),
                Arguments.of("https://a.example\u0000", "got 'https://a.example\\u0000'"),
                Arguments.of("https://a.example\u007f", "must be one word"),
                Arguments.of("https://a.example\u00a0", "must be one word"),
                Arguments.of("https://a.example\u2028", "must be one word"),
                Arguments.of("", "substituters[0] must not be empty"),
                Arguments.of("https://" + "a".repeat(2041), "substituters[0] must be at most 2048 characters long, "
                        + "got 2049"));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("refused")
    void aSubstituterThatIsNotOneSafeWordIsRefused(String value, String message) {
        assertThatThrownBy(() -> NixSettings.of(List.of(value), List.of()))
                .isInstanceOf(InvalidNixSettingsException.class)
                .hasMessageStartingWith("invalid Nix settings: ")
                .hasMessageContaining(message);
    }

    @Test
    void aNullValueIsRefused() {
        assertThatThrownBy(() -> NixSettings.of(Arrays.asList("https://a.example", null), List.of()))
                .isInstanceOf(InvalidNixSettingsException.class)
                .hasMessage("invalid Nix settings: substituters[1] must not be empty");
    }

    @Test
    void boundsAreTheCrds() {
        List<String> sixteen = Collections.nCopies(16, KEY);
        assertThat(NixSettings.of(List.of(), sixteen).trustedPublicKeys()).hasSize(16);
        assertThatThrownBy(() -> NixSettings.of(List.of(), Collections.nCopies(17, KEY)))
                .hasMessage("invalid Nix settings: trustedPublicKeys must hold at most 16 values, got 17");
        assertThat(NixSettings.of(List.of(), List.of("k:" + "A".repeat(510))).trustedPublicKeys()).hasSize(1);
        assertThatThrownBy(() -> NixSettings.of(List.of(), List.of("k:" + "A".repeat(511))))
                .hasMessage("invalid Nix settings: trustedPublicKeys[0] must be at most 512 characters long, got 513");
    }

    @Test
    void everyProblemIsListed() {
        List<String> problems = NixSettings.problems(List.of("https://ok.example", "bad url"), List.of("k 1", ""));
        assertThat(problems).containsExactly(
                "substituters[1] must be one word without whitespace, quotes, backslashes or control characters, "
                        + "got 'bad url'",
                "trustedPublicKeys[0] must be one word without whitespace, quotes, backslashes or control characters, "
                        + "got 'k 1'",
                "trustedPublicKeys[1] must not be empty");
        assertThatThrownBy(() -> NixSettings.of(List.of("https://ok.example", "bad url"), List.of("k 1", "")))
                .isInstanceOfSatisfying(InvalidNixSettingsException.class,
                        e -> assertThat(e.problems()).isEqualTo(problems));
        assertThat(NixSettings.problems(null, List.of(KEY))).isEmpty();
    }
}

package dev.nixpool.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.api.Test;

class UploadOptionsTest {

    @Test
    void defaultsAreIssue11sRun() {
        assertThat(UploadOptions.parse(List.of())).isEqualTo(new UploadOptions(1024, "xz", true, true));
    }

    @Test
    void readsEveryOption() {
        assertThat(UploadOptions.parse(List.of("--size-mib", "64", "--compression", "zstd", "--only-random")))
                .isEqualTo(new UploadOptions(64, "zstd", true, false));
        assertThat(UploadOptions.parse(List.of("--compression", "none", "--only-compressible")))
                .isEqualTo(new UploadOptions(1024, "none", false, true));
    }

    @Test
    void saysWhatIsWrong() {
        assertThatThrownBy(() -> UploadOptions.parse(List.of("--size-mib", "x")))
                .hasMessage("--size-mib needs a number of at least 1, got 'x'");
        assertThatThrownBy(() -> UploadOptions.parse(List.of("--size-mib")))
                .hasMessage("--size-mib needs a number after it, got nothing");
        assertThatThrownBy(() -> UploadOptions.parse(List.of("--compression", "gzip")))
                .hasMessage("--compression needs one of xz, zstd, none, got 'gzip'");
        assertThatThrownBy(() -> UploadOptions.parse(List.of("--only-random", "--only-compressible")))
                .hasMessage("--only-random and --only-compressible exclude each other");
        assertThatThrownBy(() -> UploadOptions.parse(List.of("--fast")))
                .hasMessageStartingWith("unknown option '--fast'");
    }
}

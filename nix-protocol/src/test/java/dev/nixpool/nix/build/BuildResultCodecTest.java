package dev.nixpool.nix.build;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.nixpool.nix.testing.Fuzz;
import dev.nixpool.nix.wire.NixWireException;
import dev.nixpool.nix.wire.WireReader;
import dev.nixpool.nix.wire.WireTruncatedException;
import dev.nixpool.nix.wire.WireWriter;

class BuildResultCodecTest {

    static final String OUT = "/nix/store/g9v7xy7pc4hwxmpmddw8fg8jhpqlzzps-t";
    static final String KEY = "sha256:6fb2c4e4b1e0b7f3b0f0f0e7c4d3a1b2c3d4e5f60718293a4b5c6d7e8f901234!out";
    static final BuildResult BUILT = new BuildResult(BuildStatus.BUILT, "", 1, false, 1700000000, 1700000002,
            Map.of("out", new BuiltOutput("out", OUT, KEY, List.of())));

    static byte[] encode(BuildResult r, BuildResultCodec.Shape shape) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BuildResultCodec.write(new WireWriter(out), r, shape);
        return out.toByteArray();
    }

    static BuildResult decode(byte[] b, BuildResultCodec.Shape shape) throws Exception {
        return BuildResultCodec.read(new WireReader(new ByteArrayInputStream(b)), shape);
    }

    @Test
    void statusNamesCodesAndSuccessRule() throws Exception {
        assertThat(BuildStatus.fromCode(0).nixName()).isEqualTo("Built");
        assertThat(BuildStatus.fromCode(3).nixName()).isEqualTo("PermanentFailure");
        assertThat(BuildStatus.fromCode(13).nixName()).isEqualTo("ResolvesToAlreadyValid");
        assertThat(BuildStatus.fromCode(14).nixName()).isEqualTo("NoSubstituters");
        assertThat(List.of(BuildStatus.values()).stream().filter(BuildStatus::success).map(BuildStatus::code))
                .containsExactly(0, 1, 2, 13);
        assertThatThrownBy(() -> BuildStatus.fromCode(15)).isInstanceOf(NixWireException.class)
                .hasMessageContaining("0..14, got 15");
    }

    @Test
    void decodesTheRealisationJsonOfServe27() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new WireWriter(out).writeU64(0).writeString("").writeU64(1).writeBool(false).writeU64(10).writeU64(12)
                .writeStringMap(Map.of(KEY, "{\"dependentRealisations\":{},\"id\":\"" + KEY
                        + "\",\"outPath\":\"g9v7xy7pc4hwxmpmddw8fg8jhpqlzzps-t\",\"signatures\":[]}"));
        BuildResult r = decode(out.toByteArray(), BuildResultCodec.Shape.serve(7));
        assertThat(r.success()).isTrue();
        assertThat(r.builtOutputs().get("out").outPath()).isEqualTo(OUT);
        assertThat(r.startTime()).isEqualTo(10);
        assertThat(r.stopTime()).isEqualTo(12);
    }

    @Test
    void shapeFollowsTheVersion() throws Exception {
        for (int minor = 0; minor <= 7; minor++) {
            BuildResultCodec.Shape shape = BuildResultCodec.Shape.serve(minor);
            BuildResult back = decode(encode(BUILT, shape), shape);
            assertThat(back.status()).isEqualTo(BuildStatus.BUILT);
            assertThat(back.builtOutputs()).hasSize(minor >= 6 ? 1 : 0);
            assertThat(back.timesBuilt()).isEqualTo(minor >= 3 ? 1 : 0);
        }
        assertThat(decode(encode(BUILT, BuildResultCodec.Shape.worker(34)), BuildResultCodec.Shape.worker(34)))
                .isEqualTo(BUILT);
        assertThat(encode(BUILT, BuildResultCodec.Shape.serve(2))).hasSize(16);
    }

    @Test
    void hostileResultsGiveTypedErrors() throws Exception {
        BuildResultCodec.Shape shape = BuildResultCodec.Shape.serve(7);
        byte[] valid = encode(BUILT, shape);
        Fuzz.assertTruncationsFail(valid, b -> decode(b, shape), WireTruncatedException.class);
        Fuzz.assertOnlyTypedErrors(Fuzz.mutations(valid, 23, 3000), b -> decode(b, shape));
    }
}

package dev.nixpool.nix.vectors;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

import dev.nixpool.nix.build.BuildResult;
import dev.nixpool.nix.build.BuildStatus;
import dev.nixpool.nix.build.BuiltOutput;
import dev.nixpool.nix.wire.WireReader;
import dev.nixpool.nix.wire.WireWriter;

/** Loads the files under src/test/resources/nix-characterization (see its README) and the values Nix's tests expect. */
final class Vectors {

    static final String HASH = "g1w7hy3qg1w7hy3qg1w7hy3qg1w7hy3q";
    static final String FOO = "/nix/store/" + HASH + "-foo";
    static final String BAR = "/nix/store/" + HASH + "-bar";
    static final String BAR_DRV = "/nix/store/" + HASH + "-bar.drv";
    /** The id Nix 2.8-era writers gave builtOutputs in the data (a made-up derivation hash). */
    static final String DRV_HASH = "sha256:6f869f9ea2823bda165e06076fd0de4366dead2c0e8d2dbbad277d4f15c373f5";
    /** A signature of Nix's tests: a key name and 64 zero bytes in base64. */
    static final String ZERO_SIG = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==";

    private Vectors() {
    }

    static byte[] load(String path) {
        try (InputStream in = Vectors.class.getResourceAsStream("/nix-characterization/" + path)) {
            assertThat(in).as("test vector %s", path).isNotNull();
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static WireReader reader(byte[] bytes) {
        return new WireReader(new ByteArrayInputStream(bytes));
    }

    /** Asserts that {@code in} has nothing left: the values account for the whole file. */
    static void assertConsumed(WireReader in) throws IOException {
        assertThat(in.stream().read()).as("bytes after the last value").isEqualTo(-1);
    }

    @FunctionalInterface
    interface Writes {
        void to(WireWriter out) throws IOException;
    }

    static byte[] encode(Writes w) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        WireWriter out = new WireWriter(bytes);
        w.to(out);
        out.flush();
        return bytes.toByteArray();
    }

    /** A vector of vectors of strings, as in vector.bin and set.bin. */
    static List<List<String>> readNested(WireReader in) throws IOException {
        int n = in.readInt("outer count", 16);
        List<List<String>> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(in.readStrings("inner"));
        }
        return out;
    }

    /** The three results of every build-result-* test: two failures, then a success. */
    static BuildResult outputRejected() {
        return new BuildResult(BuildStatus.OUTPUT_REJECTED, "no idea why", 0, false, 0, 0, Map.of());
    }

    static BuildResult notDeterministic(boolean withTimes) {
        return withTimes
                ? new BuildResult(BuildStatus.NOT_DETERMINISTIC, "no idea why", 3, true, 30, 50, Map.of())
                : new BuildResult(BuildStatus.NOT_DETERMINISTIC, "no idea why", 0, false, 0, 0, Map.of());
    }

    static BuildResult built(long timesBuilt, long start, long stop, String idPrefix, OptionalLong user,
            OptionalLong system) {
        Map<String, BuiltOutput> outputs = idPrefix == null
                ? Map.of()
                : Map.of("foo", new BuiltOutput("foo", FOO, id(idPrefix, "foo"), List.of()), "bar",
                        new BuiltOutput("bar", BAR, id(idPrefix, "bar"), List.of()));
        return new BuildResult(BuildStatus.BUILT, "", timesBuilt, false, start, stop, outputs, user, system);
    }

    private static String id(String prefix, String output) {
        return prefix.isEmpty() ? "" : prefix + "!" + output;
    }
}

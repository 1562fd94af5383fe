package dev.nixpool.nix.build;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import dev.nixpool.nix.json.Json;
import dev.nixpool.nix.json.JsonFormatException;
import dev.nixpool.nix.store.StorePath;
import dev.nixpool.nix.wire.NixWireException;
import dev.nixpool.nix.wire.WireReader;
import dev.nixpool.nix.wire.WireWriter;
import dev.nixpool.nix.worker.WorkerFeatures;

/**
 * BuildResult as both protocols send it: status and errorMsg, then (serve >= 2.3, worker >= 1.29) timesBuilt,
 * isNonDeterministic, startTime, stopTime, then (worker >= 1.37) cpuUser and cpuSystem as optional microseconds, then
 * builtOutputs: (serve 2.6-2.7, worker >= 1.28) a map from {@code sha256:<hex>!<output>} to a Realisation in JSON, or
 * (serve >= 2.8, worker with the feature {@code realisation-with-path-not-hash}) a map from output name to store path
 * and signatures. Checked against NixOS/nix's characterization data (see src/test/resources/nix-characterization). Nix 2.4-2.10 serve servers append builtOutputs whatever the
 * client's version, which is why the serve client advertises exactly 2.7: every server that sends them then agrees
 * they are there.
 */
public final class BuildResultCodec {

    /**
     * Which optional parts a protocol version carries: {@code pathOutputs} means builtOutputs keyed by output name with
     * a store path and signatures instead of JSON realisations.
     */
    public record Shape(boolean times, boolean builtOutputs, boolean cpuTimes, boolean pathOutputs) {

        public Shape(boolean times, boolean builtOutputs) {
            this(times, builtOutputs, false, false);
        }

        public static Shape serve(int minor) {
            return new Shape(minor >= 3, minor >= 6, false, minor >= 8);
        }

        public static Shape worker(int minor) {
            return worker(minor, Set.of());
        }

        /** {@code features} are the ones both sides agreed on in the 1.38 handshake. */
        public static Shape worker(int minor, Set<String> features) {
            boolean pathOutputs = features.contains(WorkerFeatures.REALISATION_WITH_PATH_NOT_HASH);
            return new Shape(minor >= 29, minor >= 28 || pathOutputs, minor >= 37, pathOutputs);
        }
    }

    public static final int MAX_ERROR = 4 * 1024 * 1024;
    static final int MAX_OUTPUTS = 4096;
    static final int MAX_OUTPUT_NAME = 1024;
    static final int MAX_PATH = 4096;
    static final int MAX_SIGS = 1024;

    private BuildResultCodec() {
    }

    public static BuildResult read(WireReader in, Shape shape) throws IOException {
        BuildStatus status = BuildStatus.fromCode(in.readU64("build status"));
        String errorMsg = in.readString("build error message", MAX_ERROR);
        long timesBuilt = 0;
        boolean nonDeterministic = false;
        long start = 0;
        long stop = 0;
        if (shape.times()) {
            timesBuilt = in.readUnsignedInt("timesBuilt");
            nonDeterministic = in.readBool("isNonDeterministic");
            start = in.readBounded("startTime", Long.MAX_VALUE);
            stop = in.readBounded("stopTime", Long.MAX_VALUE);
        }
        OptionalLong cpuUser = OptionalLong.empty();
        OptionalLong cpuSystem = OptionalLong.empty();
        if (shape.cpuTimes()) {
            cpuUser = optionalMicros(in, "cpuUser");
            cpuSystem = optionalMicros(in, "cpuSystem");
        }
        Map<String, BuiltOutput> outputs = new LinkedHashMap<>();
        if (shape.pathOutputs()) {
            int count = in.readInt("number of builtOutputs", MAX_OUTPUTS);
            for (int i = 0; i < count; i++) {
                String name = in.readString("name of builtOutput " + i, MAX_OUTPUT_NAME);
                String path = StorePath.parse(in.readString("store path of builtOutput '" + name + "'", MAX_PATH))
                        .toString();
                List<String> sigs = in.readStrings("signature of builtOutput '" + name + "'", MAX_SIGS, MAX_PATH);
                if (outputs.put(name, new BuiltOutput(name, path, "", sigs)) != null) {
                    throw new NixWireException("expected distinct builtOutputs, got '" + cut(name) + "' twice");
                }
            }
        } else if (shape.builtOutputs()) {
            Map<String, String> realisations = in.readStringMap("builtOutputs", MAX_OUTPUTS, MAX_ERROR);
            for (Map.Entry<String, String> r : realisations.entrySet()) {
                BuiltOutput o = realisation(r.getKey(), r.getValue());
                outputs.put(o.outputName(), o);
            }
        }
        return new BuildResult(status, errorMsg, timesBuilt, nonDeterministic, start, stop, outputs, cpuUser,
                cpuSystem);
    }

    /** The server side of {@link #read}; used by tests and tools that stand in for a builder. */
    public static void write(WireWriter out, BuildResult result, Shape shape) throws IOException {
        out.writeU64(result.status().code()).writeString(result.errorMsg());
        if (shape.times()) {
            out.writeU64(result.timesBuilt()).writeBool(result.isNonDeterministic()).writeU64(result.startTime())
                    .writeU64(result.stopTime());
        }
        if (shape.cpuTimes()) {
            writeOptionalMicros(out, result.cpuUserMicros());
            writeOptionalMicros(out, result.cpuSystemMicros());
        }
        if (shape.pathOutputs()) {
            Map<String, BuiltOutput> byName = new TreeMap<>(result.builtOutputs());
            out.writeU64(byName.size());
            for (BuiltOutput o : byName.values()) {
                out.writeString(o.outputName()).writeString(o.outPath()).writeStrings(new TreeSet<>(o.signatures()));
            }
        } else if (shape.builtOutputs()) {
            Map<String, String> map = new TreeMap<>();
            for (BuiltOutput o : result.builtOutputs().values()) {
                map.put(o.drvOutputId(), realisationJson(o));
            }
            out.writeStringMap(map);
        }
    }

    /** Nix's {@code std::optional<std::chrono::microseconds>}: a 0/1 tag, then the value if 1. */
    private static OptionalLong optionalMicros(WireReader in, String what) throws IOException {
        if (!in.readBool("presence of " + what)) {
            return OptionalLong.empty();
        }
        return OptionalLong.of(in.readBounded(what + " (microseconds)", Long.MAX_VALUE));
    }

    private static void writeOptionalMicros(WireWriter out, OptionalLong micros) throws IOException {
        out.writeBool(micros.isPresent());
        if (micros.isPresent()) {
            out.writeU64(micros.getAsLong());
        }
    }

    private static BuiltOutput realisation(String key, String json) throws NixWireException {
        int bang = key.lastIndexOf('!');
        if (bang <= 0 || bang == key.length() - 1) {
            throw new NixWireException("expected a builtOutputs key '<hash>!<output>', got '" + cut(key) + "'");
        }
        Object node;
        try {
            node = Json.parse(json);
        } catch (JsonFormatException e) {
            throw new NixWireException("expected a JSON realisation for '" + cut(key) + "', got '" + cut(json) + "'");
        }
        Object outPath = node instanceof Map<?, ?> m ? m.get("outPath") : null;
        if (!(outPath instanceof String base)) {
            throw new NixWireException("expected a string outPath in the realisation of '" + cut(key) + "'");
        }
        String path = base.startsWith("/")
                ? StorePath.parse(base).toString()
                : StorePath.parseBaseName(base).toString();
        List<String> sigs = new ArrayList<>();
        if (((Map<?, ?>) node).get("signatures") instanceof List<?> signatures) {
            for (Object s : signatures) {
                sigs.add(String.valueOf(s));
            }
        }
        return new BuiltOutput(key.substring(bang + 1), path, key, sigs);
    }

    private static String realisationJson(BuiltOutput o) {
        StringBuilder sigs = new StringBuilder();
        for (String s : o.signatures()) {
            sigs.append(sigs.isEmpty() ? "" : ",").append(Json.quote(s));
        }
        return "{\"dependentRealisations\":{},\"id\":" + Json.quote(o.drvOutputId()) + ",\"outPath\":"
                + Json.quote(o.outPath().substring(StorePath.STORE_DIR.length() + 1)) + ",\"signatures\":[" + sigs
                + "]}";
    }

    private static String cut(String s) {
        return s.length() > 200 ? s.substring(0, 200) + "..." : s;
    }
}

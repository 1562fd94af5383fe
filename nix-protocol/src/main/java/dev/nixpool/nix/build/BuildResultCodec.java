package dev.nixpool.nix.build;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.nixpool.nix.json.Json;
import dev.nixpool.nix.json.JsonFormatException;
import dev.nixpool.nix.store.StorePath;
import dev.nixpool.nix.wire.NixWireException;
import dev.nixpool.nix.wire.WireReader;
import dev.nixpool.nix.wire.WireWriter;

/**
 * BuildResult as both protocols send it: status and errorMsg, then (serve >= 2.3, worker >= 1.29) timesBuilt,
 * isNonDeterministic, startTime, stopTime, then (serve >= 2.6, worker >= 1.28) builtOutputs as a map from
 * {@code sha256:<hex>!<output>} to a Realisation in JSON. Nix 2.4-2.10 serve servers append builtOutputs whatever the
 * client's version, which is why the serve client advertises exactly 2.7: every server that sends them then agrees
 * they are there.
 */
public final class BuildResultCodec {

    /** Which optional parts a protocol version carries. */
    public record Shape(boolean times, boolean builtOutputs) {

        public static Shape serve(int minor) {
            return new Shape(minor >= 3, minor >= 6);
        }

        public static Shape worker(int minor) {
            return new Shape(minor >= 29, minor >= 28);
        }
    }

    public static final int MAX_ERROR = 4 * 1024 * 1024;
    static final int MAX_OUTPUTS = 4096;

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
        Map<String, BuiltOutput> outputs = new LinkedHashMap<>();
        if (shape.builtOutputs()) {
            Map<String, String> realisations = in.readStringMap("builtOutputs", MAX_OUTPUTS, MAX_ERROR);
            for (Map.Entry<String, String> r : realisations.entrySet()) {
                BuiltOutput o = realisation(r.getKey(), r.getValue());
                outputs.put(o.outputName(), o);
            }
        }
        return new BuildResult(status, errorMsg, timesBuilt, nonDeterministic, start, stop, outputs);
    }

    /** The server side of {@link #read}; used by tests and tools that stand in for a builder. */
    public static void write(WireWriter out, BuildResult result, Shape shape) throws IOException {
        out.writeU64(result.status().code()).writeString(result.errorMsg());
        if (shape.times()) {
            out.writeU64(result.timesBuilt()).writeBool(result.isNonDeterministic()).writeU64(result.startTime())
                    .writeU64(result.stopTime());
        }
        if (shape.builtOutputs()) {
            Map<String, String> map = new java.util.TreeMap<>();
            for (BuiltOutput o : result.builtOutputs().values()) {
                map.put(o.drvOutputId(), realisationJson(o));
            }
            out.writeStringMap(map);
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

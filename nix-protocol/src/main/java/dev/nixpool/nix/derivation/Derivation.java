package dev.nixpool.nix.derivation;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

import dev.nixpool.nix.json.Json;
import dev.nixpool.nix.json.JsonFormatException;
import dev.nixpool.nix.store.Bytewise;

/**
 * A store derivation (src/libstore/derivations.hh). Maps and sets are sorted bytewise, as Nix keeps them, so that
 * {@link ATermWriter} reproduces Nix's {@code .drv} bytes. A derivation without inputDrvs is what Nix calls a
 * BasicDerivation, the form the serve protocol's BuildDerivation sends.
 */
public record Derivation(SortedMap<String, DerivationOutput> outputs, SortedMap<String, SortedSet<String>> inputDrvs,
        SortedSet<String> inputSrcs, String platform, String builder, List<String> args,
        SortedMap<String, String> env) {

    public static final String STRUCTURED_ATTRS = "__json";
    public static final String REQUIRED_SYSTEM_FEATURES = "requiredSystemFeatures";

    public Derivation {
        outputs = Collections.unmodifiableSortedMap(sortedCopy(outputs));
        SortedMap<String, SortedSet<String>> drvs = new TreeMap<>(Bytewise.ORDER);
        inputDrvs.forEach((k, v) -> drvs.put(k, Collections.unmodifiableSortedSet(sortedSet(v))));
        inputDrvs = Collections.unmodifiableSortedMap(drvs);
        inputSrcs = Collections.unmodifiableSortedSet(sortedSet(inputSrcs));
        args = List.copyOf(args);
        env = Collections.unmodifiableSortedMap(sortedCopy(env));
        if (platform == null || builder == null) {
            throw new IllegalArgumentException("platform and builder must not be null");
        }
    }

    /** The derivation without its inputDrvs: what BuildDerivation sends once the inputs are in the remote store. */
    public Derivation basic() {
        return new Derivation(outputs, new TreeMap<>(), inputSrcs, platform, builder, args, env);
    }

    /**
     * What Nix's build-remote sends: the derivation without inputDrvs, its inputSrcs widened by {@code inputClosure}
     * (the outputs of the input derivations and their closure, already copied to the builder), so the builder treats
     * them as inputs and scans the outputs for references to them.
     */
    public Derivation basic(java.util.Collection<String> inputClosure) {
        SortedSet<String> srcs = new TreeSet<>(Bytewise.ORDER);
        srcs.addAll(inputSrcs);
        srcs.addAll(inputClosure);
        return new Derivation(outputs, new TreeMap<>(), srcs, platform, builder, args, env);
    }

    /**
     * The features a builder must have (Nix's ParsedDerivation): with structured attrs only the {@code __json}
     * attribute counts, a list of strings; otherwise the env entry, split on whitespace.
     */
    public Set<String> requiredSystemFeatures() throws DerivationFormatException {
        SortedSet<String> features = new TreeSet<>(Bytewise.ORDER);
        String json = env.get(STRUCTURED_ATTRS);
        if (json != null) {
            Object attrs;
            try {
                attrs = Json.parse(json);
            } catch (JsonFormatException e) {
                throw new DerivationFormatException("expected JSON in the derivation's __json attribute: "
                        + e.getMessage(), e);
            }
            if (!(attrs instanceof Map<?, ?> object)) {
                throw new DerivationFormatException("expected a JSON object in the derivation's __json attribute");
            }
            Object list = object.get(REQUIRED_SYSTEM_FEATURES);
            if (list == null) {
                return features;
            }
            if (!(list instanceof List<?> items)) {
                throw new DerivationFormatException(
                        "expected __json.requiredSystemFeatures to be a list of strings, got " + Json.typeOf(list));
            }
            for (Object item : items) {
                if (!(item instanceof String s)) {
                    throw new DerivationFormatException(
                            "expected __json.requiredSystemFeatures to hold strings, got " + Json.typeOf(item));
                }
                features.add(s);
            }
            return features;
        }
        String value = env.get(REQUIRED_SYSTEM_FEATURES);
        if (value != null) {
            for (String f : value.trim().split("\\s+")) {
                if (!f.isEmpty()) {
                    features.add(f);
                }
            }
        }
        return features;
    }

    public List<String> outputNames() {
        return new ArrayList<>(outputs.keySet());
    }

    private static <V> SortedMap<String, V> sortedCopy(Map<String, V> m) {
        SortedMap<String, V> copy = new TreeMap<>(Bytewise.ORDER);
        copy.putAll(m);
        return copy;
    }

    private static SortedSet<String> sortedSet(Set<String> s) {
        SortedSet<String> copy = new TreeSet<>(Bytewise.ORDER);
        copy.addAll(s);
        return copy;
    }
}

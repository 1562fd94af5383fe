package dev.nixpool.gateway;

import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Nix's own eligibility rule (src/libstore/machines.cc), applied to pools: the pool builds the derivation's system,
 * offers every required feature, and each of its mandatory features is required. The user {@code auto} takes the
 * eligible pool with the fewest features beyond what the build asks for (a kvm pool keeps its builders for kvm builds),
 * then the first by namespace and name, so the choice is stable.
 */
public final class PoolChoice {

    private PoolChoice() {
    }

    public static boolean fits(PoolRoute pool, String system, Set<String> required) {
        if (!pool.systems().contains(system) && !"builtin".equals(system)) {
            return false;
        }
        Set<String> offered = new HashSet<>(pool.supportedFeatures());
        offered.addAll(pool.mandatoryFeatures());
        return offered.containsAll(required) && required.containsAll(pool.mandatoryFeatures());
    }

    public static Optional<PoolRoute> choose(List<PoolRoute> pools, String system, Set<String> required) {
        return pools.stream()
                .filter(p -> fits(p, system, required))
                .min(Comparator.<PoolRoute>comparingInt(p -> extra(p, required))
                        .thenComparing(PoolRoute::namespace)
                        .thenComparing(PoolRoute::pool));
    }

    /** Nix's words when no machine fits, so users recognise the situation. */
    public static String noFit(String drvPath, String system, Set<String> required, List<PoolRoute> pools) {
        StringBuilder text = new StringBuilder("no pool you may use can build '" + drvPath
                + "': required (system, features): (" + system + ", [" + String.join(", ", required.stream().sorted()
                        .toList())
                + "]); pools: ");
        if (pools.isEmpty()) {
            text.append("none (no namespace authorises this key for any pool)");
        }
        for (int i = 0; i < pools.size(); i++) {
            PoolRoute p = pools.get(i);
            text.append(i == 0 ? "" : ", ").append(p).append(" (").append(String.join(",", p.systems()))
                    .append("; supported [").append(String.join(",", p.supportedFeatures())).append("]; mandatory [")
                    .append(String.join(",", p.mandatoryFeatures())).append("])");
        }
        return text.toString();
    }

    private static int extra(PoolRoute pool, Set<String> required) {
        Set<String> offered = new HashSet<>(pool.supportedFeatures());
        offered.addAll(pool.mandatoryFeatures());
        offered.removeAll(required);
        return offered.size();
    }
}

package dev.nixpool.runner;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

import dev.nixpool.nix.derivation.Derivation;
import dev.nixpool.nix.derivation.DerivationFormatException;

/**
 * Whether a derivation, once known, may run where the build was scheduled. The scheduler decided from the NixBuild's
 * spec ({@code system}, {@code requiredSystemFeatures}); the derivation itself has the last word. A mismatch fails the
 * build with the spec field to set, rather than building on a pool that was never meant for it.
 *
 * @param specSystem {@code spec.system}
 * @param specFeatures {@code spec.requiredSystemFeatures}
 * @param machine the BuildMachine chosen
 * @param poolSystems its {@code spec.systems}
 * @param poolFeatures its supported and mandatory features
 */
public record DerivationFit(String specSystem, Set<String> specFeatures, String machine, List<String> poolSystems,
        Set<String> poolFeatures) {

    /** Nix runs builtin derivations (fetchurl and friends) on any machine. */
    static final String BUILTIN = "builtin";

    public DerivationFit {
        specFeatures = Set.copyOf(specFeatures);
        poolSystems = List.copyOf(poolSystems);
        poolFeatures = Set.copyOf(poolFeatures);
    }

    /** Empty when the derivation fits; otherwise what is wrong and how to fix it. */
    public Optional<String> problem(String drvPath, Derivation derivation) throws DerivationFormatException {
        String system = derivation.platform();
        if (!BUILTIN.equals(system) && !system.equals(specSystem)) {
            return Optional.of("the derivation " + drvPath + " is for system " + system + " but spec.system is "
                    + specSystem + ": set spec.system: " + system);
        }
        if (!BUILTIN.equals(system) && !poolSystems.contains(system)) {
            return Optional.of("the derivation " + drvPath + " is for system " + system + " but BuildMachine "
                    + machine + " builds only for " + poolSystems);
        }
        Set<String> required = derivation.requiredSystemFeatures();
        SortedSet<String> undeclared = new TreeSet<>(required);
        undeclared.removeAll(specFeatures);
        if (!undeclared.isEmpty()) {
            SortedSet<String> wanted = new TreeSet<>(specFeatures);
            wanted.addAll(required);
            return Optional.of("the derivation " + drvPath + " requires features " + braces(required)
                    + " but spec.requiredSystemFeatures is " + new TreeSet<>(specFeatures)
                    + ": set spec.requiredSystemFeatures: " + wanted);
        }
        SortedSet<String> missing = new TreeSet<>(required);
        missing.removeAll(poolFeatures);
        if (!missing.isEmpty()) {
            return Optional.of("the derivation " + drvPath + " requires features " + braces(missing)
                    + " that BuildMachine " + machine + " does not offer");
        }
        return Optional.empty();
    }

    private static String braces(Set<String> features) {
        return "{" + String.join(", ", new TreeSet<>(features)) + "}";
    }
}

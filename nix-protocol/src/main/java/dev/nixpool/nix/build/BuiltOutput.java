package dev.nixpool.nix.build;

import java.util.List;

/**
 * One realised output of a build: the output name, its store path (full, {@code /nix/store/...}), the derivation hash
 * key Nix reports it under ({@code sha256:<hex>!out} on serve 2.6-2.7; empty when the peer does not send one) and the
 * realisation's signatures.
 */
public record BuiltOutput(String outputName, String outPath, String drvOutputId, List<String> signatures) {

    public BuiltOutput {
        signatures = List.copyOf(signatures);
    }
}

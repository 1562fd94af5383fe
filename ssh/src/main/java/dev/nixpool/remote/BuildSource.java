package dev.nixpool.remote;

/** What a NixBuild asks to build: exactly one of a derivation path, an expression or a flake installable. */
public sealed interface BuildSource {

    record DerivationPath(String drvPath) implements BuildSource {
    }

    record Expression(String text) implements BuildSource {
    }

    record Flake(String installable) implements BuildSource {
    }
}

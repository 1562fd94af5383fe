package dev.nixpool.remote.ssh;

import java.util.List;

import dev.nixpool.nix.serve.ServeProtocol;
import dev.nixpool.remote.NixSettings;

/**
 * The Nix commands a session runs on its builder, each with the build's {@link NixSettings} as Nix command-line
 * options. Every command gets them, so substitution follows the build's settings wherever it happens: evaluation,
 * making a derivation path valid, and building (the serve channel). Without settings the commands are the plain ones.
 * <p>
 * The settings use Nix's {@code extra-} form, which adds to the builder's nix.conf instead of replacing it: a pool's own
 * caches (the builder image's {@code NIXPOOL_SUBSTITUTERS}) stay in use, and a build's keys are trusted beside the
 * pool's. On the single-user local store of a builder the options apply as given; {@code trusted-users} and
 * {@code trusted-substituters} only restrict clients of a nix-daemon, and {@code require-sigs} (true by default) still
 * makes Nix refuse a substituted path that no trusted key signed.
 */
final class NixCommands {

    static final String SUBSTITUTERS = "extra-substituters";
    static final String TRUSTED_PUBLIC_KEYS = "extra-trusted-public-keys";
    /** The program {@link #expression()} runs, named when the builder does not have it. */
    static final String EVALUATOR = "nix-instantiate";

    private final String options;

    NixCommands(NixSettings settings) {
        this.options = options(settings);
    }

    /** The serve channel; BuildPaths and BuildDerivation substitute inputs (and outputs) with these settings. */
    String serve() {
        return ServeProtocol.REMOTE_COMMAND + options;
    }

    /**
     * Evaluates stdin to a .drv. No GC root: the build follows on the same session straight away, and with
     * {@code --add-root} nix-instantiate prints the root's path instead of the .drv's and leaves a symlink behind on a
     * builder that may be reused. Without a root Nix warns about the missing one on stderr, which would open every
     * build log; --no-gc-warning (Nix 2.8 has it) says the omission is deliberate.
     * <p>
     * The .drv's text follows its path ({@link EvaluatorOutput}): the shell that runs the command anyway reads the file
     * nix-instantiate has just written, which saves the build a serve round trip to read it. Up to
     * {@link EvaluatorOutput#DRV_TEXT_LIMIT} bytes and one more, to say a larger file was cut; nothing when the output
     * is not one file (several derivations, a store not at its path on this file system) or {@code head} is missing.
     * Nix's exit status is the command's, 127 included.
     */
    String expression() {
        return "d=$(" + EVALUATOR + " --no-gc-warning" + options + " -) || exit; printf '%s\\n' \"$d\"; "
                + "if [ -f \"$d\" ]; then head -c " + (EvaluatorOutput.DRV_TEXT_LIMIT + 1)
                + " -- \"$d\" 2>/dev/null; fi; exit 0";
    }

    /** Evaluates stdin with the store writable, so that builtins.storePath substitutes. */
    String ensure() {
        return "nix-instantiate --eval --read-write-mode" + options + " -";
    }

    /** The derivation of a flake installable; the caller has checked it (no leading '-', no control characters). */
    String flake(String installable) {
        return "nix --extra-experimental-features 'nix-command flakes' path-info --derivation" + options + " "
                + ShellWords.quote(installable);
    }

    /** Empty for no settings; otherwise each non-empty setting as {@code --option NAME 'v1 v2'}, after a space. */
    static String options(NixSettings settings) {
        return option(SUBSTITUTERS, settings.substituters())
                + option(TRUSTED_PUBLIC_KEYS, settings.trustedPublicKeys());
    }

    private static String option(String name, List<String> values) {
        return values.isEmpty() ? "" : " --option " + name + " " + ShellWords.quote(String.join(" ", values));
    }
}

package dev.nixpool.nix.testing;

import java.nio.charset.StandardCharsets;

/** Exit code and output of a finished command. */
public record ProcessResult(int exitCode, byte[] stdout, String stderr) {

    public String stdoutText() {
        return new String(stdout, StandardCharsets.UTF_8);
    }

    /** Fails with the command's stderr, which is what explains a non-zero exit. */
    public ProcessResult requireSuccess(String what) {
        if (exitCode != 0) {
            throw new AssertionError(what + " exited with " + exitCode + ": " + stderr);
        }
        return this;
    }
}

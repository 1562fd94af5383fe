package dev.nixpool.nix.nar;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * Copies one NAR from a stream that may continue after it (DumpStorePath, the export format) to {@code out}, checking
 * its structure and hashing it on the way, in constant memory.
 */
public final class NarCopier {

    private NarCopier() {
    }

    public static NarDigest copy(InputStream in, OutputStream out) throws IOException {
        return copy(in, out, NarLimits.DEFAULT);
    }

    public static NarDigest copy(InputStream in, OutputStream out, NarLimits limits) throws IOException {
        HashingInputStream tee = new HashingInputStream(in, out);
        NarParser.parse(tee, NarVisitor.IGNORE, limits);
        return tee.digest();
    }

    /** Validates and hashes a NAR without keeping it. */
    public static NarDigest digest(InputStream in) throws IOException {
        return copy(in, null, NarLimits.DEFAULT);
    }
}

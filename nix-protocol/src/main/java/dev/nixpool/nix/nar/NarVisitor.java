package dev.nixpool.nix.nar;

import java.io.IOException;
import java.io.InputStream;

/**
 * Receives the nodes of a NAR while {@link NarParser} streams it. Paths are relative to the NAR's root, {@code ""} for
 * the root itself, with {@code /} between names. A regular file's contents must be read (or not) before returning; the
 * parser skips whatever is left.
 */
public interface NarVisitor {

    NarVisitor IGNORE = new NarVisitor() {
    };

    default void directoryStart(String path) throws IOException {
    }

    default void directoryEnd(String path) throws IOException {
    }

    default void regularFile(String path, boolean executable, long size, InputStream contents) throws IOException {
    }

    default void symlink(String path, String target) throws IOException {
    }
}

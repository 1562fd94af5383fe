package dev.nixpool.remote.ssh;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;

import dev.nixpool.nix.derivation.ATermParser;
import dev.nixpool.nix.derivation.Derivation;
import dev.nixpool.nix.nar.NarFormatException;
import dev.nixpool.nix.nar.NarParser;
import dev.nixpool.nix.nar.NarVisitor;

/** A .drv as DumpStorePath sends it: a NAR whose root is one regular file holding the ATerm. */
final class DrvFromNar {

    private DrvFromNar() {
    }

    static Derivation parse(byte[] nar, String drvPath) throws IOException {
        byte[][] contents = new byte[1][];
        NarParser.parse(new ByteArrayInputStream(nar), new NarVisitor() {
            @Override
            public void regularFile(String path, boolean executable, long size, InputStream in) throws IOException {
                if (path.isEmpty()) {
                    contents[0] = in.readAllBytes();
                }
            }
        });
        if (contents[0] == null) {
            throw new NarFormatException("expected " + drvPath + " to be a single regular file, got a directory or "
                    + "symlink");
        }
        return ATermParser.parse(contents[0]);
    }
}

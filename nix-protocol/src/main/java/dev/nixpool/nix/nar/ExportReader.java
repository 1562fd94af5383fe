package dev.nixpool.nix.nar;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;

import dev.nixpool.nix.store.StorePath;
import dev.nixpool.nix.wire.NixWireException;
import dev.nixpool.nix.wire.WireReader;

/** Reads Nix's export format one path at a time, streaming each NAR to a caller-given output. */
public final class ExportReader {

    private final InputStream raw;
    private final WireReader in;
    private boolean ended;

    public ExportReader(InputStream in) {
        this.raw = in;
        this.in = new WireReader(in);
    }

    /** The next path, its NAR copied to {@code narSink} (may be null to only check it), or null at the end. */
    public ExportedPath next(OutputStream narSink) throws IOException {
        if (ended) {
            return null;
        }
        long marker = in.readU64("export marker (1 = another path, 0 = end)");
        if (marker == 0) {
            ended = true;
            return null;
        }
        if (marker != 1) {
            throw new NixWireException("expected export marker 1 or 0, got " + Long.toUnsignedString(marker));
        }
        NarDigest digest = NarCopier.copy(raw, narSink);
        long magic = in.readU64("export magic");
        if (magic != ExportFormat.EXPORT_MAGIC) {
            throw new NixWireException("expected export magic 0x4558494e (NIXE) after the NAR, got 0x"
                    + Long.toHexString(magic));
        }
        StorePath path = StorePath.parse(in.readString("exported path", ExportFormat.MAX_PATH));
        List<StorePath> refs = new ArrayList<>();
        for (String r : in.readStrings("reference of " + path, ExportFormat.MAX_REFERENCES, ExportFormat.MAX_PATH)) {
            refs.add(StorePath.parse(r));
        }
        StorePath deriver = StorePath.parseOptional(in.readString("deriver of " + path, ExportFormat.MAX_PATH));
        long signature = in.readU64("signature marker of " + path);
        if (signature == 1) {
            // Nix < 2.0 signed exports this way; Nix still reads and ignores it.
            in.readString("legacy signature of " + path, ExportFormat.MAX_PATH);
        } else if (signature != 0) {
            throw new NixWireException("expected a legacy signature marker (0 or 1) after " + path + ", got "
                    + Long.toUnsignedString(signature));
        }
        return new ExportedPath(path, refs, deriver, digest);
    }
}

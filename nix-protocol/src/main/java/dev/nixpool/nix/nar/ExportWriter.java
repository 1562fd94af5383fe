package dev.nixpool.nix.nar;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.Collection;

import dev.nixpool.nix.store.StorePath;
import dev.nixpool.nix.wire.WireWriter;

/**
 * Writes Nix's export format: per path {@code 1}, the NAR, {@code NIXE}, path, references, deriver, {@code 0}; then
 * {@code 0} from {@link #finish()}. Paths must come in an order where references precede referrers, as
 * {@code nix-store --import} registers them one by one.
 */
public final class ExportWriter {

    private final WireWriter out;

    public ExportWriter(OutputStream out) {
        this.out = new WireWriter(out);
    }

    public NarDigest addPath(StorePath path, Collection<StorePath> references, StorePath deriver, Path contents)
            throws IOException {
        out.writeU64(1);
        HashingOutputStream hashing = new HashingOutputStream(out.stream());
        NarWriter.dump(contents, hashing);
        trailer(path, references, deriver);
        return hashing.digest();
    }

    /** Copies an existing NAR (checked on the way, since the importer would abort on a bad one mid-stream). */
    public NarDigest addNar(StorePath path, Collection<StorePath> references, StorePath deriver, InputStream nar)
            throws IOException {
        out.writeU64(1);
        NarDigest digest = NarCopier.copy(nar, out.stream());
        trailer(path, references, deriver);
        return digest;
    }

    public void finish() throws IOException {
        out.writeU64(0);
        out.flush();
    }

    private void trailer(StorePath path, Collection<StorePath> references, StorePath deriver) throws IOException {
        out.writeU64(ExportFormat.EXPORT_MAGIC);
        out.writeString(path.toString());
        out.writeStrings(references.stream().map(StorePath::toString).toList());
        out.writeString(deriver == null ? "" : deriver.toString());
        out.writeU64(0);
    }

}

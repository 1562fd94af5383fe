package dev.nixpool.nix.nar;

/** Constants of Nix's export format (src/libstore/export-import.cc), the payload of serve's ImportPaths. */
final class ExportFormat {

    /** "NIXE" little-endian: separates a path's NAR from its metadata. */
    static final long EXPORT_MAGIC = 0x4558494eL;
    static final int MAX_REFERENCES = 1 << 16;
    static final int MAX_PATH = 4096;

    private ExportFormat() {
    }
}

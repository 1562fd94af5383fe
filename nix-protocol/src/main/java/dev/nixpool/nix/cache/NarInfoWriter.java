package dev.nixpool.nix.cache;

import java.util.stream.Collectors;

import dev.nixpool.nix.store.StorePath;

/**
 * Writes a narinfo as Nix's NarInfo::to_string does: the same fields, order and spelling, so a cache written by us
 * reads like one written by {@code nix copy}. References and the deriver are base names; the References line is there
 * even when empty.
 */
public final class NarInfoWriter {

    private NarInfoWriter() {
    }

    public static String write(NarInfo info) {
        StringBuilder s = new StringBuilder();
        line(s, "StorePath", info.storePath().toString());
        line(s, "URL", info.url());
        line(s, "Compression", info.compression());
        if (info.fileHash() != null) {
            line(s, "FileHash", info.fileHash().toPrefixedNix32());
        }
        if (info.fileSize() != 0) {
            line(s, "FileSize", Long.toString(info.fileSize()));
        }
        line(s, "NarHash", info.narHash().toPrefixedNix32());
        line(s, "NarSize", Long.toString(info.narSize()));
        line(s, "References",
                info.references().stream().sorted().map(StorePath::baseName).collect(Collectors.joining(" ")));
        if (info.deriver() != null) {
            line(s, "Deriver", info.deriver().baseName());
        }
        for (String sig : info.sigs()) {
            line(s, "Sig", sig);
        }
        if (!info.ca().isEmpty()) {
            line(s, "CA", info.ca());
        }
        return s.toString();
    }

    private static void line(StringBuilder s, String key, String value) {
        if (value.indexOf('\n') >= 0) {
            throw new IllegalArgumentException("a narinfo value cannot hold a newline (" + key + ")");
        }
        s.append(key).append(": ").append(value).append('\n');
    }
}

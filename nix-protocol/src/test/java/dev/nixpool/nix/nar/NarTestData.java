package dev.nixpool.nix.nar;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

import dev.nixpool.nix.wire.WireWriter;

/** Hand-built NARs, token by token, for tests that need NARs no file system would produce. */
final class NarTestData {

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final WireWriter out = new WireWriter(bytes);

    static NarTestData nar() throws IOException {
        return new NarTestData().t("nix-archive-1");
    }

    NarTestData t(String... tokens) throws IOException {
        for (String s : tokens) {
            out.writeBytes(s.getBytes(StandardCharsets.UTF_8));
        }
        return this;
    }

    NarTestData file(String contents) throws IOException {
        return t("(", "type", "regular", "contents", contents, ")");
    }

    NarTestData entry(String name) throws IOException {
        return t("entry", "(", "name", name, "node");
    }

    byte[] bytes() {
        return bytes.toByteArray();
    }
}

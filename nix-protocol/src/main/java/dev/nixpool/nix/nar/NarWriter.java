package dev.nixpool.nix.nar;

import static dev.nixpool.nix.nar.NarTokens.*;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import dev.nixpool.nix.store.Bytewise;
import dev.nixpool.nix.wire.WireWriter;

/**
 * Serialises a file system tree as a NAR the way Nix's {@code dumpPath} does: entries sorted bytewise, executable =
 * the owner's execute bit, symlinks not followed. File contents stream through a fixed buffer.
 */
public final class NarWriter {

    private final WireWriter out;
    private final byte[] buffer = new byte[64 * 1024];

    private NarWriter(OutputStream out) {
        this.out = new WireWriter(out);
    }

    /** Writes the NAR of {@code root} to {@code out} (not flushed, not closed). */
    public static void dump(Path root, OutputStream out) throws IOException {
        NarWriter w = new NarWriter(out);
        w.token(MAGIC);
        w.node(root);
    }

    private void node(Path path) throws IOException {
        PosixFileAttributes attrs = Files.readAttributes(path, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        token(OPEN);
        token(TYPE);
        if (attrs.isRegularFile()) {
            token(REGULAR);
            if (attrs.permissions().contains(PosixFilePermission.OWNER_EXECUTE)) {
                token(EXECUTABLE);
                token("");
            }
            token(CONTENTS);
            contents(path, attrs.size());
        } else if (attrs.isSymbolicLink()) {
            token(SYMLINK);
            token(TARGET);
            token(Files.readSymbolicLink(path).toString());
        } else if (attrs.isDirectory()) {
            token(DIRECTORY);
            for (String name : sortedNames(path)) {
                token(ENTRY);
                token(OPEN);
                token(NAME);
                token(name);
                token(NODE);
                node(path.resolve(name));
                token(CLOSE);
            }
        } else {
            throw new IOException("cannot put '" + path + "' in a NAR: only regular files, symlinks and directories");
        }
        token(CLOSE);
    }

    private static List<String> sortedNames(Path dir) throws IOException {
        List<String> names = new ArrayList<>();
        try (Stream<Path> list = Files.list(dir)) {
            list.forEach(p -> names.add(p.getFileName().toString()));
        }
        names.sort(Bytewise.ORDER);
        return names;
    }

    private void contents(Path file, long size) throws IOException {
        out.writeU64(size);
        long copied = 0;
        try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
            int n;
            while (copied < size && (n = in.read(buffer, 0, (int) Math.min(buffer.length, size - copied))) > 0) {
                out.stream().write(buffer, 0, n);
                copied += n;
            }
        }
        if (copied != size) {
            throw new IOException("'" + file + "' changed while it was archived: expected " + size
                    + " bytes, read " + copied);
        }
        out.writePadding(size);
    }

    private void token(String s) throws IOException {
        out.writeBytes(s.getBytes(StandardCharsets.UTF_8));
    }
}

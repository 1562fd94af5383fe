package dev.nixpool.cache;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The file:// store's two ways of taking a file: a copy the caller keeps, and a move of one it gives up. */
class FileCacheStoreTest {

    @TempDir
    Path dir;

    @Test
    void putCopiesAndPutMovingMovesTheFileIntoPlaceReadableByAll() throws Exception {
        FileCacheStore store = new FileCacheStore(dir.resolve("cache"));
        Path kept = Files.writeString(dir.resolve("kept"), "copied");
        Path given = Files.writeString(dir.resolve("given"), "moved");

        store.put("nar/a.nar", kept, "application/x-nix-nar");
        store.putMoving("nar/b.nar", given, "application/x-nix-nar");

        assertThat(kept).as("the caller keeps a file it put").hasContent("copied");
        assertThat(given).as("a file given up is moved, not copied").doesNotExist();
        assertThat(dir.resolve("cache/nar/a.nar")).hasContent("copied");
        assertThat(dir.resolve("cache/nar/b.nar")).hasContent("moved");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("cache/nar/b.nar"))))
                .isEqualTo("rw-r--r--");
        assertThat(store.exists("nar/b.nar")).isTrue();
        try (var listing = Files.list(dir.resolve("cache/nar"))) {
            assertThat(listing.map(p -> p.getFileName().toString())).as("no temp file left")
                    .containsExactlyInAnyOrder("a.nar", "b.nar");
        }
    }
}

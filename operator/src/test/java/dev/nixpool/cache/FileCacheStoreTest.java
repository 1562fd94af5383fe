package dev.nixpool.cache;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The file:// store takes a staged file over by moving it into place, and writes bytes the same way. */
class FileCacheStoreTest {

    @TempDir
    Path dir;

    @Test
    void aFileIsMovedIntoPlaceAndBytesAreWrittenBothReadableByAll() throws Exception {
        FileCacheStore store = new FileCacheStore(dir.resolve("cache"));
        Path given = Files.writeString(dir.resolve("given"), "moved");

        store.put("nar/b.nar", given, "application/x-nix-nar");
        store.put("b.narinfo", "written".getBytes(), "text/x-nix-narinfo");

        assertThat(given).as("a file given up is moved, not copied").doesNotExist();
        assertThat(dir.resolve("cache/nar/b.nar")).hasContent("moved");
        assertThat(dir.resolve("cache/b.narinfo")).hasContent("written");
        for (String object : new String[]{"cache/nar/b.nar", "cache/b.narinfo"}) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(object))))
                    .isEqualTo("rw-r--r--");
        }
        assertThat(store.exists("nar/b.nar")).isTrue();
        try (var listing = Files.list(dir.resolve("cache/nar"))) {
            assertThat(listing.map(p -> p.getFileName().toString())).as("no temp file left")
                    .containsExactly("b.nar");
        }
    }
}

package dev.nixpool.logs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The store's total cap, with real files: what is evicted, in which order, and what is never evicted. */
class LogSpaceTest {

    private static final Instant NOW = Instant.parse("2026-12-01T12:00:00Z");
    /** 39 characters and a newline. */
    private static final String FORTY_BYTES = "x".repeat(39);

    @TempDir
    Path dir;

    private LogStore store(long maxTotalBytes) {
        return new LogStore(dir, 1_000_000, maxTotalBytes, Clock.fixed(NOW, ZoneOffset.UTC));
    }

    private void finishedBuild(LogStore store, String name, long writtenAtSeconds) throws IOException {
        try (BuildLog log = store.open("ns", name, name + "-uid", 1)) {
            log.line(FORTY_BYTES);
        }
        Files.setLastModifiedTime(dir.resolve("ns/" + name + "/attempt-1.log"), FileTime.fromMillis(
                writtenAtSeconds * 1000));
    }

    @Test
    void theLeastRecentlyWrittenBuildIsEvictedWholeAndSaysWhen() throws IOException {
        LogStore store = store(100);
        finishedBuild(store, "newer", 2000);
        finishedBuild(store, "older", 1000);
        try (BuildLog log = store.open("ns", "running", "r-uid", 1)) {
            log.line(FORTY_BYTES);
            assertThat(log.truncated()).isFalse();
        }
        assertThat(store.latestAttempt("ns", "older")).isEmpty();
        assertThat(store.evictedAt("ns", "older")).hasValue(NOW);
        assertThat(dir.resolve("ns/older/attempt-1.log")).doesNotExist();
        assertThat(store.latestAttempt("ns", "newer")).hasValue(1);
        assertThat(store.evictedAt("ns", "newer")).isEmpty();
        assertThat(Files.readString(store.file("ns", "running", 1).orElseThrow())).isEqualTo(FORTY_BYTES + "\n");
        assertThat(store.usedBytes()).isEqualTo(80);
    }

    @Test
    void evictionFreesDownToTheLowWatermarkNotJustOneLine() throws IOException {
        LogStore store = store(100);
        finishedBuild(store, "a", 1000);
        finishedBuild(store, "b", 2000);
        try (BuildLog log = store.open("ns", "c", "c-uid", 1)) {
            log.line("y".repeat(9));
            // 90 of 100 used: the next 40 bytes need 130, so down to 60 (the cap less the line) at most
            log.line(FORTY_BYTES);
        }
        assertThat(store.evictedAt("ns", "a")).isPresent();
        assertThat(store.evictedAt("ns", "b")).isEmpty();
        assertThat(store.usedBytes()).isEqualTo(90);
    }

    @Test
    void logsStillBeingWrittenAreNeverEvictedTheWriterTruncatesInstead() throws IOException {
        LogStore store = store(100);
        finishedBuild(store, "done", 1000);
        try (BuildLog first = store.open("ns", "first", "f-uid", 1);
                BuildLog second = store.open("ns", "second", "s-uid", 1)) {
            first.line(FORTY_BYTES);
            second.line(FORTY_BYTES);
            assertThat(store.evictedAt("ns", "done")).isPresent();
            second.line(FORTY_BYTES);
            assertThat(second.truncated()).isTrue();
            first.line("still refused: the store is full of running builds");
            assertThat(first.truncated()).isTrue();
        }
        assertThat(Files.readString(store.file("ns", "first", 1).orElseThrow())).isEqualTo(FORTY_BYTES + "\n"
                + "[nixpool] log truncated: the log store is full (nixpool.logs.max-total-bytes, 100 bytes) of logs"
                + " of builds still running\n");
        assertThat(store.evictedAt("ns", "first")).isEmpty();
        assertThat(store.evictedAt("ns", "second")).isEmpty();
    }

    @Test
    void logsLeftByAnEarlierOperatorCountAndAreEvictedFirst() throws IOException {
        finishedBuild(store(1_000_000), "from-before", 1000);
        LogStore restarted = store(60);
        assertThat(restarted.usedBytes()).isEqualTo(40);
        try (BuildLog log = restarted.open("ns", "new", "n-uid", 1)) {
            log.line(FORTY_BYTES);
            assertThat(log.truncated()).isFalse();
        }
        assertThat(restarted.evictedAt("ns", "from-before")).hasValue(NOW);
        assertThat(restarted.usedBytes()).isEqualTo(40);
    }

    @Test
    void deletedBuildsGiveTheirBytesBackAndANewBuildOfTheNameForgetsTheEviction() throws IOException {
        LogStore store = store(100);
        finishedBuild(store, "gone", 1000);
        finishedBuild(store, "kept", 2000);
        store.delete("ns", "gone");
        assertThat(store.usedBytes()).isEqualTo(40);
        try (BuildLog log = store.open("ns", "big", "b-uid", 1)) {
            log.line(FORTY_BYTES);
        }
        assertThat(store.evictedAt("ns", "kept")).isEmpty();
        try (BuildLog log = store.open("ns", "again", "a-uid", 1)) {
            log.line(FORTY_BYTES);
        }
        assertThat(store.evictedAt("ns", "kept")).hasValue(NOW);
        try (BuildLog log = store.open("ns", "kept", "another-uid", 1)) {
            log.line("a new build of the same name");
        }
        assertThat(store.evictedAt("ns", "kept")).isEmpty();
    }
}

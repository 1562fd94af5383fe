package dev.nixpool.logs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogStoreTest {

    private static final String UID = "4b1f0c2e-uid";

    @TempDir
    Path dir;

    @Test
    void attemptsHaveTheirOwnFilesAndTheLatestIsKnown() throws IOException {
        LogStore store = new LogStore(dir, 1_000_000);
        try (BuildLog first = store.open("builds", "hello", UID, 1)) {
            first.line("attempt one");
        }
        try (BuildLog second = store.open("builds", "hello", UID, 2)) {
            second.line("attempt two");
        }
        assertThat(store.latestAttempt("builds", "hello")).hasValue(2);
        assertThat(Files.readString(store.file("builds", "hello", 1).orElseThrow())).isEqualTo("attempt one\n");
        assertThat(store.file("builds", "hello", 2).orElseThrow())
                .isEqualTo(dir.resolve("builds/hello/attempt-2.log"));
        assertThat(store.file("builds", "hello", 3)).isEmpty();
        assertThat(store.latestAttempt("builds", "other")).isEmpty();
    }

    @Test
    void aReopenedAttemptAppends() throws IOException {
        LogStore store = new LogStore(dir, 1_000_000);
        try (BuildLog log = store.open("ns", "b", UID, 1)) {
            log.line("before the operator restarted");
        }
        try (BuildLog log = store.open("ns", "b", UID, 1)) {
            log.line("after");
        }
        assertThat(Files.readString(store.file("ns", "b", 1).orElseThrow()))
                .isEqualTo("before the operator restarted\nafter\n");
    }

    @Test
    void aNewBuildOfTheSameNameStartsAfreshWithoutItsPredecessorsLogs() throws IOException {
        LogStore store = new LogStore(dir, 1_000_000);
        try (BuildLog log = store.open("ns", "again", UID, 2)) {
            log.line("the build deleted while no operator ran");
        }
        try (BuildLog log = store.open("ns", "again", "another-uid", 1)) {
            log.line("the new one");
        }
        assertThat(store.latestAttempt("ns", "again")).hasValue(1);
        assertThat(Files.readString(store.file("ns", "again", 1).orElseThrow())).isEqualTo("the new one\n");
    }

    @Test
    void theBudgetCoversAllAttemptsAndTruncationIsSaidOnce() throws IOException {
        LogStore store = new LogStore(dir, 20);
        try (BuildLog log = store.open("ns", "big", UID, 1)) {
            log.line("0123456789");
            assertThat(log.truncated()).isFalse();
        }
        try (BuildLog log = store.open("ns", "big", UID, 2)) {
            log.line("abcdefgh");
            log.line("this no longer fits");
            log.line("nor this");
            assertThat(log.truncated()).isTrue();
        }
        String second = Files.readString(store.file("ns", "big", 2).orElseThrow());
        assertThat(second).startsWith("abcdefgh\n[nixpool] log truncated: this build's logs reached "
                + "nixpool.logs.max-bytes (20 bytes)\n");
        assertThat(second).doesNotContain("nor this");
    }

    @Test
    void tailReadsTheEndOfTheAttemptsLog() {
        LogStore store = new LogStore(dir, 10_000_000);
        try (BuildLog log = store.open("ns", "tail", UID, 1)) {
            for (int i = 0; i < 50_000; i++) {
                log.line("line " + i);
            }
        }
        assertThat(store.tail("ns", "tail", 1, 3, 1000)).isEqualTo("line 49997\nline 49998\nline 49999");
        assertThat(store.tail("ns", "tail", 2, 3, 1000)).isEmpty();
    }

    @Test
    void deleteRemovesTheBuildsLogsAndItsEmptyNamespaceDir() {
        LogStore store = new LogStore(dir, 1000);
        try (BuildLog log = store.open("ns", "gone", UID, 1)) {
            log.line("x");
        }
        store.delete("ns", "gone");
        assertThat(store.latestAttempt("ns", "gone")).isEmpty();
        assertThat(dir.resolve("ns")).doesNotExist();
        store.delete("ns", "never-there");
    }

    @Test
    void namesThatAreNotKubernetesNamesNeverBecomePaths() {
        LogStore store = new LogStore(dir, 1000);
        assertThat(store.latestAttempt("..", "x")).isEmpty();
        assertThat(store.file("ns", "../../etc", 1)).isEmpty();
        assertThatThrownBy(() -> store.open("ns", "a/b", UID, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a Kubernetes namespace/name: ns/a/b");
        assertThatThrownBy(() -> new LogStore(dir, 0))
                .hasMessageContaining("nixpool.logs.max-bytes must be at least 1");
    }
}

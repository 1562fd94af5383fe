package dev.nixpool.ssh;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KnownHostsTest {

    private static final String KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIO1nQLkbwzFVOQWy/WQ9/c437gaO+L7AcgHTjPRScMh8";
    private static final String OTHER = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINCdDawzA/63bq+b5datSrLmhStXxhDeGlJSxUeco6Zu";
    /** {@code ssh-keygen -H} of "builder.example KEY". */
    private static final String HASHED = "|1|1I/Nu4WN/Z2Hj4Vg9OwGJJVuPRw=|Xi0xQoGq3JE5Qe+ztIUJG1EsYHo= " + KEY;

    @TempDir
    Path dir;

    private Path file(String content) throws IOException {
        return Files.writeString(dir.resolve("known_hosts"), content);
    }

    @Test
    void plainHostMatchesOnPort22Only() throws Exception {
        Path f = file("builder.example " + KEY + "\n");
        assertThat(KnownHosts.lookup(f, "builder.example", 22)).containsExactly(HostKeys.parse(KEY));
        assertThat(KnownHosts.lookup(f, "builder.example", 2222)).isEmpty();
        assertThat(KnownHosts.lookup(f, "other.example", 22)).isEmpty();
    }

    @Test
    void bracketedEntryMatchesItsPort() throws Exception {
        Path f = file("[127.0.0.7]:2222 " + KEY + "\n127.0.0.7 " + OTHER + "\n");
        assertThat(KnownHosts.lookup(f, "127.0.0.7", 2222)).containsExactly(HostKeys.parse(KEY));
        assertThat(KnownHosts.lookup(f, "127.0.0.7", 22)).containsExactly(HostKeys.parse(OTHER));
    }

    @Test
    void hashedHostNamesAreMatched() throws Exception {
        Path f = file(HASHED + "\n");
        assertThat(KnownHosts.lookup(f, "builder.example", 22)).containsExactly(HostKeys.parse(KEY));
        assertThat(KnownHosts.lookup(f, "someone.else", 22)).isEmpty();
    }

    @Test
    void severalKeysForOneHostAreAllReturned() throws Exception {
        Path f = file("# comment\nb.example,10.0.0.1 " + KEY + "\n\nb.example " + OTHER + "\n");
        assertThat(KnownHosts.lookup(f, "b.example", 22)).extracting(HostKeys::fingerprint)
                .containsExactly(HostKeys.fingerprint(HostKeys.parse(KEY)),
                        HostKeys.fingerprint(HostKeys.parse(OTHER)));
        assertThat(KnownHosts.lookup(f, "10.0.0.1", 22)).hasSize(1);
    }

    @Test
    void markedEntriesAreNotPins() throws Exception {
        Path f = file("@revoked b.example " + KEY + "\n@cert-authority b.example " + OTHER + "\n");
        assertThat(KnownHosts.lookup(f, "b.example", 22)).isEmpty();
    }

    @Test
    void aMissingFileKnowsNoHosts() throws SshTransportException {
        assertThat(KnownHosts.lookup(dir.resolve("absent"), "b.example", 22)).isEmpty();
    }

    @Test
    void userFileIsUnderHome() {
        assertThat(KnownHosts.userFile()).isEqualTo(KnownHosts.userHome().resolve(".ssh/known_hosts"));
    }
}

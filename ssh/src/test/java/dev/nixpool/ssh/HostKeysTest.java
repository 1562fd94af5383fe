package dev.nixpool.ssh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.util.Base64;

import org.junit.jupiter.api.Test;

class HostKeysTest {

    /** Made with ssh-keygen; {@code ssh-keygen -lf} printed FINGERPRINT for it. */
    static final String LINE = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIO1nQLkbwzFVOQWy/WQ9/c437gaO+L7AcgHTjPRScMh8 fixed";
    static final String FINGERPRINT = "SHA256:KG8dM2DQFhtNlXKUQPCe5oioh3LDjblC/gC1XRl/3cw";
    /** {@code base64 -w0 k.pub}: the .pub file with comment and newline, as in Nix's machines file. */
    static final String BASE64_OF_PUB_FILE = "c3NoLWVkMjU1MTkgQUFBQUMzTnphQzFsWkRJMU5URTVBQUFBSU8xblFMa2J3ekZWT1FXeS9XUTkv"
            + "YzQzN2dhTytMN0FjZ0hUalBSU2NNaDggZml4ZWQK";

    @Test
    void fingerprintIsOpenSshsSha256Form() throws SshTransportException {
        assertThat(HostKeys.fingerprint(HostKeys.parse(LINE))).isEqualTo(FINGERPRINT);
    }

    @Test
    void machinesFileBase64FormIsTheSameKey() throws SshTransportException {
        PublicKey fromLine = HostKeys.parse(LINE);
        PublicKey fromBase64 = HostKeys.parse(BASE64_OF_PUB_FILE);
        assertThat(fromBase64).isEqualTo(fromLine);
        assertThat(HostKeys.type(fromBase64)).isEqualTo("ssh-ed25519");
    }

    @Test
    void lineWithoutCommentAndWithSurroundingWhitespaceParses() throws SshTransportException {
        String bare = LINE.substring(0, LINE.lastIndexOf(' '));
        assertThat(HostKeys.fingerprint(HostKeys.parse("  " + bare + "\n"))).isEqualTo(FINGERPRINT);
    }

    @Test
    void toLineAndToBase64LineRoundTrip() throws SshTransportException {
        PublicKey key = HostKeys.parse(LINE);
        assertThat(HostKeys.toLine(key)).isEqualTo(LINE.substring(0, LINE.lastIndexOf(' ')));
        String base64 = HostKeys.toBase64Line(key);
        assertThat(new String(Base64.getDecoder().decode(base64), StandardCharsets.US_ASCII))
                .isEqualTo(HostKeys.toLine(key) + "\n");
        assertThat(HostKeys.parse(base64)).isEqualTo(key);
    }

    @Test
    void emptyInputSaysWhatWasExpected() {
        assertThatThrownBy(() -> HostKeys.parse("  ")).isInstanceOfSatisfying(SshTransportException.class, e -> {
            assertThat(e.reason()).isEqualTo(SshFailureReason.INVALID_KEY);
            assertThat(e.getMessage()).contains("expected an OpenSSH public key line", "got nothing");
        });
    }

    @Test
    void textThatIsNeitherFormIsQuoted() {
        assertThatThrownBy(() -> HostKeys.parse("not a key!")).isInstanceOfSatisfying(SshTransportException.class,
                e -> assertThat(e.getMessage()).contains("or its base64 encoding, got 'not a key!'"));
    }

    @Test
    void base64OfSomethingElseShowsWhatItDecodesTo() {
        String hello = Base64.getEncoder().encodeToString("hello world\n".getBytes(StandardCharsets.US_ASCII));
        assertThatThrownBy(() -> HostKeys.parse(hello)).isInstanceOfSatisfying(SshTransportException.class,
                e -> assertThat(e.getMessage()).contains("decodes to 'hello world'"));
    }

    @Test
    void corruptKeyDataIsRefused() {
        assertThatThrownBy(() -> HostKeys.parse("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIO1n"))
                .isInstanceOfSatisfying(SshTransportException.class, e -> {
                    assertThat(e.reason()).isEqualTo(SshFailureReason.INVALID_KEY);
                    assertThat(e.getMessage()).startsWith("cannot read the public key 'ssh-ed25519 AAAA");
                });
    }

    @Test
    void longInputIsShortenedInMessages() {
        String junk = "x".repeat(500);
        assertThatThrownBy(() -> HostKeys.parse(junk)).isInstanceOfSatisfying(SshTransportException.class,
                e -> assertThat(e.getMessage()).contains("x".repeat(48) + "...").doesNotContain("x".repeat(49)));
    }
}

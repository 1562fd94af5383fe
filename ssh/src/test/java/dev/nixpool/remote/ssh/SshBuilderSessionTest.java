package dev.nixpool.remote.ssh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.nixpool.nix.derivation.DerivationFormatException;
import dev.nixpool.nix.nar.NarFormatException;
import dev.nixpool.nix.nar.NarWriter;
import dev.nixpool.nix.wire.NixWireException;
import dev.nixpool.remote.BuilderException;
import dev.nixpool.remote.BuilderFailure;
import dev.nixpool.ssh.SshTimeouts;

/** The pure parts of the session: input checks, the bounded buffer, .drv extraction, timeouts. */
class SshBuilderSessionTest {

    private static final String DRV = "Derive([(\"out\",\"/nix/store/0a9ddapbi3wldfn3qfxnqmc6n5gdg8dl-t\",\"\",\"\")],"
            + "[],[],\"x86_64-linux\",\"/bin/sh\",[\"-c\",\"echo > $out\"],[(\"out\","
            + "\"/nix/store/0a9ddapbi3wldfn3qfxnqmc6n5gdg8dl-t\")])";

    @TempDir
    Path dir;

    @Test
    void installablesThatLookLikeOptionsOrHoldControlCharactersAreRefused() throws BuilderException {
        assertThat(SshBuilderSession.checkInstallable("github:owner/repo#hello")).isEqualTo("github:owner/repo#hello");
        for (String bad : new String[]{"", " ", "--impure", "path:/x\n#y", "a\u0000b"}) {
            assertThatThrownBy(() -> SshBuilderSession.checkInstallable(bad)).isInstanceOf(BuilderException.class)
                    .hasMessageContaining("expected a flake installable")
                    .extracting(e -> ((BuilderException) e).failure()).isEqualTo(BuilderFailure.EVALUATION_FAILED);
        }
    }

    @Test
    void boundedBufferRefusesOneByteMore() throws Exception {
        BoundedBuffer b = new BoundedBuffer(4, "the NAR of x");
        b.write(new byte[]{1, 2, 3}, 0, 3);
        b.write(4);
        assertThat(b.toByteArray()).containsExactly(1, 2, 3, 4);
        assertThatThrownBy(() -> b.write(5)).isInstanceOf(NixWireException.class)
                .hasMessage("expected the NAR of x of at most 4 bytes, got more");
    }

    @Test
    void aDrvNarIsParsed() throws Exception {
        Path file = Files.writeString(dir.resolve("t.drv"), DRV);
        assertThat(DrvFromNar.parse(nar(file), "/nix/store/x.drv").outputs()).containsOnlyKeys("out");
    }

    @Test
    void aDirectoryIsNoDrv() throws Exception {
        Path tree = Files.createDirectories(dir.resolve("tree"));
        Files.writeString(tree.resolve("t.drv"), DRV);
        assertThatThrownBy(() -> DrvFromNar.parse(nar(tree), "/nix/store/x.drv"))
                .isInstanceOf(NarFormatException.class).hasMessageContaining("single regular file");
    }

    @Test
    void aFileThatIsNoATermIsRefused() throws Exception {
        Path file = Files.writeString(dir.resolve("bad.drv"), "not a derivation");
        assertThatThrownBy(() -> DrvFromNar.parse(nar(file), "/nix/store/x.drv"))
                .isInstanceOf(DerivationFormatException.class);
    }

    @Test
    void timeoutsMustBePositive() {
        BuilderTimeouts d = BuilderTimeouts.defaults();
        assertThat(d.operation()).isEqualTo(Duration.ofSeconds(120));
        assertThat(d.withOperation(Duration.ofSeconds(5)).operation()).isEqualTo(Duration.ofSeconds(5));
        assertThat(d.withEvaluation(Duration.ofSeconds(7)).evaluation()).isEqualTo(Duration.ofSeconds(7));
        assertThatThrownBy(() -> new BuilderTimeouts(SshTimeouts.defaults(), Duration.ZERO, Duration.ofSeconds(1),
                Duration.ofSeconds(1))).hasMessage("handshake timeout must be positive, got PT0S");
        assertThatThrownBy(() -> d.withOperation(Duration.ofSeconds(-1)))
                .hasMessage("operation timeout must be positive, got PT-1S");
    }

    private static byte[] nar(Path root) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        NarWriter.dump(root, out);
        return out.toByteArray();
    }

}

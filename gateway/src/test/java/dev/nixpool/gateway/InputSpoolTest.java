package dev.nixpool.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.nixpool.nix.store.InvalidStorePathException;
import dev.nixpool.nix.store.NixHash;
import dev.nixpool.nix.store.StorePath;
import dev.nixpool.nix.store.ValidPathInfo;

/**
 * Which NARs the spool hashes itself: every one, except one a sink read whole and vouches for (a builder's
 * AddToStoreNar, which Nix answers with success only for a NAR of the declared hash). Whatever else the sink did (read
 * none, read part, read all without vouching, failed), a NAR not of its declared hash is refused and not kept, and one
 * of its hash is kept byte for byte.
 */
class InputSpoolTest {

    private static final StorePath PATH = path("/nix/store/00000000000000000000000000000000-input");
    private static final byte[] NAR = randomBytes(200_000);
    private static final NixHash WRONG = NixHash.sha256Of(new byte[]{1});

    @TempDir
    Path tmp;

    private final SpoolQuota quota = new SpoolQuota(1 << 24);

    private InputSpool spool() {
        return new InputSpool(tmp.resolve("spool"), 1 << 24, 16, quota);
    }

    private static ValidPathInfo info(NixHash declared) {
        return new ValidPathInfo(PATH, null, declared, List.of(), 0, NAR.length, false, List.of(), "");
    }

    private static StorePath path(String path) {
        try {
            return StorePath.parse(path);
        } catch (InvalidStorePathException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        new SplittableRandom(7).nextBytes(b);
        return b;
    }

    /** Reads {@code bytes} of the NAR in small reads, as a builder's upload does, then answers {@code vouches}. */
    private static InputSpool.NarSink reading(long bytes, boolean vouches) {
        return (info, nar) -> {
            byte[] buf = new byte[1000];
            long left = bytes;
            while (left > 0) {
                int n = nar.read(buf, 0, (int) Math.min(buf.length, left));
                if (n < 0) {
                    break;
                }
                left -= n;
            }
            return vouches;
        };
    }

    private static byte[] kept(InputSpool spool) throws IOException {
        try (InputStream in = spool.open(PATH)) {
            return in.readAllBytes();
        }
    }

    @Test
    void aNarOfItsDeclaredHashIsKeptWhateverTheSinkRead() throws IOException {
        for (InputSpool.NarSink sink : List.of(reading(0, false), reading(NAR.length / 3, false),
                reading(NAR.length, false), reading(NAR.length, true))) {
            try (InputSpool spool = spool()) {
                Optional<IOException> failure = spool.add(info(NixHash.sha256Of(NAR)), new ByteArrayInputStream(NAR),
                        sink);

                assertThat(failure).isEmpty();
                assertThat(kept(spool)).isEqualTo(NAR);
                assertThat(spool.bytes()).isEqualTo(NAR.length);
            }
        }
        assertThat(quota.used()).isZero();
    }

    @Test
    void aNarNotOfItsDeclaredHashIsRefusedUnlessTheSinkTookItWholeAndVouchedForIt() throws IOException {
        for (InputSpool.NarSink sink : List.of(reading(0, false), reading(NAR.length / 3, false),
                reading(NAR.length, false), reading(NAR.length / 3, true))) {
            try (InputSpool spool = spool()) {
                assertThatThrownBy(() -> spool.add(info(WRONG), new ByteArrayInputStream(NAR), sink))
                        .isInstanceOf(ClientProtocolException.class)
                        .hasMessageContaining("hash mismatch importing path");
                assertThat(spool.contains(PATH)).isFalse();
                assertThat(quota.used()).isZero();
                assertThat(tmp.resolve("spool").toFile().list()).as("the refused NAR's file").isEmpty();
            }
        }
    }

    @Test
    void aSinkThatFailsMidNarIsReportedAndTheNarIsStillCheckedHere() throws IOException {
        InputSpool.NarSink failing = (info, nar) -> {
            nar.read(new byte[5000]);
            throw new IOException("the builder went away");
        };
        try (InputSpool spool = spool()) {
            assertThat(spool.add(info(NixHash.sha256Of(NAR)), new ByteArrayInputStream(NAR), failing))
                    .hasValueSatisfying(e -> assertThat(e).hasMessage("the builder went away"));
            assertThat(kept(spool)).isEqualTo(NAR);

            assertThatThrownBy(() -> spool.add(
                    new ValidPathInfo(path("/nix/store/11111111111111111111111111111111-other"), null,
                            WRONG, List.of(), 0, NAR.length, false, List.of(), ""),
                    new ByteArrayInputStream(NAR), failing))
                    .isInstanceOf(ClientProtocolException.class).hasMessageContaining("hash mismatch importing path");
        }
    }

    @Test
    void aNarTheSinkTookWholeAndVouchedForIsKeptWithoutAHashOfItsOwn() throws IOException {
        // the spool's trust in such a sink, shown with a NAR a real builder would have refused: the builder's word
        // stands for the hash (EarlyBuilderTest shows a refusing builder's NAR refused by the gateway too)
        try (InputSpool spool = spool()) {
            assertThat(spool.add(info(WRONG), new ByteArrayInputStream(NAR), reading(NAR.length, true))).isEmpty();
            assertThat(kept(spool)).isEqualTo(NAR);
        }
    }

    @Test
    void aNarNoSinkReadIsReadInLargeChunksAndNothingPastIt() throws IOException {
        byte[] large = randomBytes(2 * TeeNar.DRAIN_CHUNK + 4321);
        ValidPathInfo info = new ValidPathInfo(PATH, null, NixHash.sha256Of(large), List.of(), 0, large.length, false,
                List.of(), "");
        byte[] stream = Arrays.copyOf(large, large.length + 8);
        Recording client = new Recording(stream);
        try (InputSpool spool = new InputSpool(tmp.resolve("spool"), 1 << 24, 16, quota)) {
            assertThat(spool.add(info, client, null)).isEmpty();
            assertThat(kept(spool)).isEqualTo(large);
        }
        assertThat(client.largestAsk).isEqualTo(TeeNar.DRAIN_CHUNK);
        assertThat(client.available()).as("the next request's bytes are left to it").isEqualTo(8);
    }

    /** The client's stream, remembering the largest read asked of it. */
    private static final class Recording extends ByteArrayInputStream {
        int largestAsk;

        Recording(byte[] bytes) {
            super(bytes);
        }

        @Override
        public synchronized int read(byte[] b, int off, int len) {
            largestAsk = Math.max(largestAsk, len);
            return super.read(b, off, len);
        }
    }
}

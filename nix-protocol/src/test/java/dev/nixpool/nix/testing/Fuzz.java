package dev.nixpool.nix.testing;

import static org.assertj.core.api.Assertions.fail;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import dev.nixpool.nix.wire.NixWireException;

/**
 * Hostile-input generators for decoder tests: every truncation of a valid input and seeded random mutations of it
 * (bit flips, byte overwrites, inserted and deleted runs, huge length words).
 */
public final class Fuzz {

    /** The decoder under test; it may return normally or throw, nothing else. */
    @FunctionalInterface
    public interface Decoder {
        void decode(byte[] input) throws Exception;
    }

    private Fuzz() {
    }

    public static List<byte[]> truncations(byte[] valid) {
        List<byte[]> out = new ArrayList<>();
        for (int i = 0; i < valid.length; i++) {
            out.add(Arrays.copyOf(valid, i));
        }
        return out;
    }

    public static List<byte[]> mutations(byte[] valid, long seed, int count) {
        Random r = new Random(seed);
        List<byte[]> out = new ArrayList<>();
        for (int n = 0; n < count; n++) {
            byte[] m = valid.clone();
            if (m.length == 0) {
                out.add(new byte[]{(byte) r.nextInt()});
                continue;
            }
            switch (r.nextInt(5)) {
                case 0 -> m[r.nextInt(m.length)] ^= (byte) (1 << r.nextInt(8));
                case 1 -> m[r.nextInt(m.length)] = (byte) r.nextInt(256);
                case 2 -> {
                    int at = r.nextInt(m.length);
                    byte[] junk = new byte[1 + r.nextInt(16)];
                    r.nextBytes(junk);
                    byte[] grown = new byte[m.length + junk.length];
                    System.arraycopy(m, 0, grown, 0, at);
                    System.arraycopy(junk, 0, grown, at, junk.length);
                    System.arraycopy(m, at, grown, at + junk.length, m.length - at);
                    m = grown;
                }
                case 3 -> {
                    int at = r.nextInt(m.length);
                    int len = Math.min(m.length - at, 1 + r.nextInt(16));
                    byte[] shrunk = new byte[m.length - len];
                    System.arraycopy(m, 0, shrunk, 0, at);
                    System.arraycopy(m, at + len, shrunk, at, m.length - at - len);
                    m = shrunk;
                }
                default -> {
                    int word = r.nextInt(Math.max(1, m.length / 8)) * 8;
                    for (int i = word; i < Math.min(m.length, word + 8); i++) {
                        m[i] = (byte) (i == word + 7 ? 0x7f : 0xff);
                    }
                }
            }
            out.add(m);
        }
        for (int n = 0; n < count / 10; n++) {
            byte[] noise = new byte[r.nextInt(200)];
            r.nextBytes(noise);
            out.add(noise);
        }
        return out;
    }

    /** Runs the decoder on every input; only {@code allowed} exceptions (or none) may come out. */
    @SafeVarargs
    public static void assertOnlyTypedErrors(List<byte[]> inputs, Decoder decoder,
            Class<? extends Exception>... allowed) {
        List<Class<? extends Exception>> ok = allowed.length == 0
                ? List.of(NixWireException.class)
                : List.of(allowed);
        for (byte[] input : inputs) {
            try {
                decoder.decode(input);
            } catch (Exception e) {
                if (ok.stream().noneMatch(c -> c.isInstance(e))) {
                    fail("decoder threw " + e + " for input of " + input.length + " bytes", e);
                }
                if (e.getMessage() == null || e.getMessage().isBlank()) {
                    fail("typed error without a message for input of " + input.length + " bytes", e);
                }
            } catch (OutOfMemoryError | StackOverflowError e) {
                fail("decoder ran out of resources for input of " + input.length + " bytes", e);
            }
        }
    }

    /** Every truncation must fail: a valid input cut short is never valid. */
    public static void assertTruncationsFail(byte[] valid, Decoder decoder, Class<? extends Exception> type) {
        for (byte[] input : truncations(valid)) {
            try {
                decoder.decode(input);
            } catch (Exception e) {
                if (!type.isInstance(e)) {
                    fail("expected " + type.getSimpleName() + " for a truncation to " + input.length + " bytes, got "
                            + e, e);
                }
                continue;
            }
            fail("a truncation to " + input.length + " of " + valid.length + " bytes was accepted");
        }
    }
}

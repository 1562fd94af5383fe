package dev.nixpool.nix.testing;

import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

/**
 * Seeded fuzzing of a decoder: {@link #iterations()} inputs per family, each made from its own seed by mutating valid
 * samples (bit flips, overwrites, inserted and deleted runs, huge and small length words, repeated chunks, splices,
 * truncations, tokens of the format) or as random wire structure or noise. A decoder may return or throw one of the
 * allowed types; any other exception, an {@link Error} or running past the time limit fails, naming the family and the
 * input's seed.
 * <p>
 * System properties: {@code nixpool.fuzz.iterations} (default 100000), {@code nixpool.fuzz.seed} (the base seed),
 * {@code nixpool.fuzz.seconds} (time limit per family, default 60), {@code nixpool.fuzz.input} (run only the input with
 * this seed, as a failure prints it). docs/nix-protocol.md shows a longer run.
 */
public final class FuzzRunner {

    private static final long[] HUGE = {1L << 60, Long.MAX_VALUE, -1L, 1L << 32, 1L << 31, (1L << 31) - 1, 1L << 20,
            1L << 24, 0xFFFF_FFFFL, 4096, 65536};

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private FuzzRunner() {
    }

    public static int iterations() {
        return Integer.getInteger("nixpool.fuzz.iterations", 100_000);
    }

    public static long baseSeed() {
        return Long.getLong("nixpool.fuzz.seed", 0x6e69_7870_6f6f_6cL);
    }

    /** Fuzzes {@code decoder} with mutations of {@code samples}; {@code tokens} are format words worth inserting. */
    @SafeVarargs
    public static void run(String family, List<byte[]> samples, List<String> tokens, Fuzz.Decoder decoder,
            Class<? extends Throwable>... allowed) {
        List<byte[]> words = tokens.stream().map(t -> t.getBytes(StandardCharsets.UTF_8)).toList();
        String only = System.getProperty("nixpool.fuzz.input");
        long[] current = new long[2];
        Duration limit = Duration.ofSeconds(Long.getLong("nixpool.fuzz.seconds", 60));
        try {
            assertTimeoutPreemptively(limit, () -> {
                if (only != null) {
                    long seed = Long.parseUnsignedLong(only, 16);
                    check(family, seed, generate(seed, samples, words), decoder, allowed);
                    return;
                }
                long cpu = THREADS.getCurrentThreadCpuTime();
                Random seeds = new Random(baseSeed() ^ family.hashCode());
                for (int i = 0; i < iterations(); i++) {
                    long seed = seeds.nextLong();
                    current[0] = i;
                    current[1] = seed;
                    check(family, seed, generate(seed, samples, words), decoder, allowed);
                }
                for (byte[] sample : samples) {
                    for (byte[] cut : Fuzz.truncations(sample)) {
                        check(family, 0, cut, decoder, allowed);
                    }
                }
                System.out.printf("fuzz %s: %d inputs, %d ms CPU%n", family, iterations(),
                        (THREADS.getCurrentThreadCpuTime() - cpu) / 1_000_000);
            }, () -> family + ": no answer within " + limit.toSeconds() + " s at input #" + current[0]
                    + " (seed " + Long.toHexString(current[1]) + "; replay with -Dnixpool.fuzz.input="
                    + Long.toHexString(current[1]) + ")");
        } catch (OutOfMemoryError | StackOverflowError e) {
            fail(family + ": ran out of resources at input #" + current[0] + " (seed " + Long.toHexString(current[1])
                    + "; replay with -Dnixpool.fuzz.input=" + Long.toHexString(current[1]) + ")", e);
        }
    }

    private static void check(String family, long seed, byte[] input, Fuzz.Decoder decoder,
            Class<? extends Throwable>[] allowed) {
        try {
            decoder.decode(input);
        } catch (Throwable e) {
            boolean ok = !(e instanceof Error) && Arrays.stream(allowed).anyMatch(c -> c.isInstance(e));
            String where = family + ": input seed " + Long.toHexString(seed) + " (replay with -Dnixpool.fuzz.input="
                    + Long.toHexString(seed) + "), " + input.length + " bytes, starting "
                    + HexFormat.of().formatHex(input, 0, Math.min(input.length, 64));
            if (!ok) {
                fail(where + ": threw " + e + ", which is not one of the typed errors "
                        + Arrays.stream(allowed).map(Class::getSimpleName).toList(), e);
            }
            if (e.getMessage() == null || e.getMessage().isBlank()) {
                fail(where + ": typed error without a message", e);
            }
        }
    }

    /** The input of {@code seed}: a mutated sample (80 %), random wire structure (10 %) or noise (10 %). */
    public static byte[] generate(long seed, List<byte[]> samples, List<byte[]> tokens) {
        Random r = new Random(seed);
        int mode = r.nextInt(10);
        if (mode == 0) {
            return structure(r, tokens);
        }
        if (mode == 1) {
            byte[] noise = new byte[r.nextInt(300)];
            r.nextBytes(noise);
            return noise;
        }
        byte[] m = samples.get(r.nextInt(samples.size())).clone();
        int rounds = 1 + r.nextInt(4);
        for (int i = 0; i < rounds; i++) {
            m = mutate(r, m, samples, tokens);
        }
        return m;
    }

    private static byte[] mutate(Random r, byte[] m, List<byte[]> samples, List<byte[]> tokens) {
        if (m.length == 0) {
            return new byte[]{(byte) r.nextInt()};
        }
        int at = r.nextInt(m.length);
        switch (r.nextInt(10)) {
            case 0 -> m[at] ^= (byte) (1 << r.nextInt(8));
            case 1 -> m[at] = (byte) r.nextInt(256);
            case 2 -> {
                byte[] junk = new byte[1 + r.nextInt(16)];
                r.nextBytes(junk);
                return insert(m, at, junk);
            }
            case 3 -> {
                int len = Math.min(m.length - at, 1 + r.nextInt(32));
                byte[] shrunk = new byte[m.length - len];
                System.arraycopy(m, 0, shrunk, 0, at);
                System.arraycopy(m, at + len, shrunk, at, m.length - at - len);
                return shrunk;
            }
            case 4 -> putWord(m, r, HUGE[r.nextInt(HUGE.length)]);
            case 5 -> putWord(m, r, r.nextInt(24));
            case 6 -> {
                // a repeated aligned chunk: many small items where the format expected few
                int start = (at / 8) * 8;
                int len = Math.min(m.length - start, 8 * (1 + r.nextInt(4)));
                byte[] chunk = Arrays.copyOfRange(m, start, start + len);
                int times = 1 + r.nextInt(64);
                byte[] grown = new byte[m.length + chunk.length * times];
                System.arraycopy(m, 0, grown, 0, start);
                for (int i = 0; i < times; i++) {
                    System.arraycopy(chunk, 0, grown, start + i * chunk.length, chunk.length);
                }
                System.arraycopy(m, start, grown, start + chunk.length * times, m.length - start);
                return grown;
            }
            case 7 -> {
                byte[] other = samples.get(r.nextInt(samples.size()));
                int from = other.length == 0 ? 0 : r.nextInt(other.length);
                byte[] spliced = new byte[at + other.length - from];
                System.arraycopy(m, 0, spliced, 0, at);
                System.arraycopy(other, from, spliced, at, other.length - from);
                return spliced;
            }
            case 8 -> {
                if (!tokens.isEmpty()) {
                    return insert(m, at, tokens.get(r.nextInt(tokens.size())));
                }
                m[at] = 0;
            }
            default -> {
                return Arrays.copyOf(m, at);
            }
        }
        return m;
    }

    /** Random words, length-prefixed strings (padded or not) and format tokens. */
    private static byte[] structure(Random r, List<byte[]> tokens) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        int items = r.nextInt(24);
        for (int i = 0; i < items; i++) {
            switch (r.nextInt(4)) {
                case 0 -> word(out, r.nextInt(16));
                case 1 -> word(out, HUGE[r.nextInt(HUGE.length)]);
                case 2 -> {
                    byte[] s = tokens.isEmpty() || r.nextBoolean()
                            ? randomText(r)
                            : tokens.get(r.nextInt(tokens.size()));
                    word(out, s.length);
                    out.writeBytes(s);
                    out.writeBytes(new byte[(8 - s.length % 8) % 8]);
                }
                default -> out.writeBytes(tokens.isEmpty() ? randomText(r) : tokens.get(r.nextInt(tokens.size())));
            }
        }
        return out.toByteArray();
    }

    private static byte[] randomText(Random r) {
        byte[] b = new byte[r.nextInt(40)];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (r.nextInt(4) == 0 ? r.nextInt(256) : 0x20 + r.nextInt(0x5f));
        }
        return b;
    }

    private static void putWord(byte[] m, Random r, long v) {
        int word = r.nextInt(Math.max(1, m.length / 8)) * 8;
        for (int i = 0; i < 8 && word + i < m.length; i++) {
            m[word + i] = (byte) (v >>> (8 * i));
        }
    }

    private static void word(java.io.ByteArrayOutputStream out, long v) {
        for (int i = 0; i < 8; i++) {
            out.write((int) (v >>> (8 * i)) & 0xff);
        }
    }

    private static byte[] insert(byte[] m, int at, byte[] what) {
        byte[] grown = new byte[m.length + what.length];
        System.arraycopy(m, 0, grown, 0, at);
        System.arraycopy(what, 0, grown, at, what.length);
        System.arraycopy(m, at, grown, at + what.length, m.length - at);
        return grown;
    }
}

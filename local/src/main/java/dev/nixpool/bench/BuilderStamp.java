package dev.nixpool.bench;

import java.time.Instant;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The moment the build command reached the builder, as the builder itself saw it: the benchmark's derivation starts by
 * printing the wall clock ({@code date +%s%N}) to its build log, so the stamp is taken by the builder's own process the
 * instant Nix started it there. The log travels back to both clients (the operator's {@code status.logTail}, the
 * {@code nix-build} output), and since builders and benchmark share one machine and its clock the stamp can be set
 * against the benchmark's own timestamps.
 */
final class BuilderStamp {

    static final String MARKER = "nixpool-bench-start";
    private static final Pattern LINE = Pattern.compile("(?m)^" + MARKER + " ([0-9]{10,20})$");

    private BuilderStamp() {
    }

    /** The derivation's builder script: stamp first, then the trivial output. */
    static String script(int index) {
        return "echo " + MARKER + " $(/bin/date +%s%N) >&2; echo " + index + " > $out";
    }

    /** The stamp (nanoseconds since the epoch) in a build log, if the builder got that far. */
    static OptionalLong find(String log) {
        if (log == null) {
            return OptionalLong.empty();
        }
        Matcher matcher = LINE.matcher(log);
        return matcher.find() ? OptionalLong.of(Long.parseLong(matcher.group(1))) : OptionalLong.empty();
    }

    /** Now on the wall clock, in nanoseconds since the epoch. */
    static long epochNanos() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    /**
     * An epoch stamp on the {@link System#nanoTime} scale the benchmark's milestones use, converted right away (the two
     * clocks may drift apart slowly over a run, not within the seconds between a stamp and its reading).
     */
    static long toNanoTime(long stampEpochNanos) {
        long nanoTime = System.nanoTime();
        return nanoTime - (epochNanos() - stampEpochNanos);
    }
}

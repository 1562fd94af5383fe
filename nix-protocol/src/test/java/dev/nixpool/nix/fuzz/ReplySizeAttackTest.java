package dev.nixpool.nix.fuzz;

import static dev.nixpool.nix.fuzz.Samples.DRV;
import static dev.nixpool.nix.fuzz.Samples.P1;
import static dev.nixpool.nix.fuzz.Samples.path;
import static dev.nixpool.nix.fuzz.Samples.wire;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.nixpool.nix.serve.ServeClient;
import dev.nixpool.nix.serve.ServeProtocol;
import dev.nixpool.nix.wire.NixWireException;
import dev.nixpool.nix.wire.ReplyLimitExceededException;
import dev.nixpool.nix.wire.ReplyLimits;
import dev.nixpool.nix.worker.WorkerConnection;
import dev.nixpool.nix.worker.WorkerProtocol;

/**
 * Whole-reply attacks from a hostile peer: lengths of 2^60, a million tiny items, endless maximal items. Each must end
 * at once with a typed error, after reading no more than the limits allow and allocating within a small multiple of
 * them (checked with the thread's allocation counter, so garbage counts too).
 */
class ReplySizeAttackTest {

    static final byte[] HELLO = wire(out -> out.writeU64(ServeProtocol.MAGIC_2).writeU64(0x207));
    /** The clients' read-ahead buffer (64 KiB) plus one maximal item (4 MiB) read before the count is checked. */
    static final long SLACK = 64 * 1024 + (4L << 20);

    @Test
    void lengthsOf2To60AreRefusedBeforeAnyAllocation() {
        for (long huge : new long[]{1L << 60, -1L, Long.MAX_VALUE, 1L << 32}) {
            EndlessReply reply = new EndlessReply(concat(HELLO, wire(out -> out.writeU64(huge))), new byte[8]);
            assertBounded(() -> serve(reply, ReplyLimits.DEFAULTS).queryValidPaths(false, false, List.of(path(P1))),
                    NixWireException.class, reply, 1 << 20);
            EndlessReply string = new EndlessReply(concat(HELLO, wire(out -> out.writeU64(1).writeU64(huge))),
                    new byte[8]);
            assertBounded(() -> serve(string, ReplyLimits.DEFAULTS).queryClosure(false, List.of(path(P1))),
                    NixWireException.class, string, 1 << 20);
        }
    }

    @Test
    void aMillionTinyPathsStopAtMaxPathsPerReply() {
        ReplyLimits limits = ReplyLimits.DEFAULTS;
        EndlessReply reply = new EndlessReply(concat(HELLO, wire(out -> out.writeU64(1 << 20))),
                wire(out -> out.writeString(P1)));
        ReplyLimitExceededException e = assertBounded(
                () -> serve(reply, limits).queryValidPaths(false, false, List.of(path(P1))),
                ReplyLimitExceededException.class, reply, limits.maxReplyBytes());
        // the count is checked before the items are read
        assertThat(e.limit()).isEqualTo("maxPathsPerReply");
        assertThat(reply.served()).isLessThan(SLACK);
    }

    @Test
    void endlessPathInfosWithManyReferencesStopAtMaxPathsPerReply() {
        ReplyLimits limits = new ReplyLimits(64L << 20, 20_000);
        byte[] info = wire(out -> {
            out.writeString(P1).writeString(DRV).writeU64(1000);
            for (int i = 0; i < 1000; i++) {
                out.writeString(P1);
            }
            out.writeU64(1).writeU64(1).writeString(Samples.narHash().toPrefixedNix32()).writeString("")
                    .writeU64(0);
        });
        EndlessReply reply = new EndlessReply(HELLO, info);
        ReplyLimitExceededException e = assertBounded(() -> serve(reply, limits).queryPathInfos(List.of(path(P1))),
                ReplyLimitExceededException.class, reply, limits.maxReplyBytes());
        assertThat(e.limit()).isEqualTo("maxPathsPerReply");
        assertThat(e).hasMessageContaining("QueryPathInfos").hasMessageContaining("20000");
    }

    @Test
    void endlessMaximalItemsStopAtMaxReplyBytes() {
        ReplyLimits limits = new ReplyLimits(16L << 20, 100_000);
        // path infos with 1024 signatures of 4 KiB each: every item within its own bound, 4 MiB per info
        String sig = "k:" + "A".repeat(4096 - 8);
        byte[] info = wire(out -> {
            out.writeString(P1).writeString(DRV).writeU64(0).writeU64(1).writeU64(1)
                    .writeString(Samples.narHash().toPrefixedNix32()).writeString("").writeU64(1024);
            for (int i = 0; i < 1024; i++) {
                out.writeString(sig);
            }
        });
        EndlessReply reply = new EndlessReply(HELLO, info);
        ReplyLimitExceededException e = assertBounded(() -> serve(reply, limits).queryPathInfos(List.of(path(P1))),
                ReplyLimitExceededException.class, reply, limits.maxReplyBytes());
        assertThat(e.limit()).isEqualTo("maxReplyBytes");
        assertThat(e).hasMessageContaining("QueryPathInfos");
    }

    @Test
    void workerRepliesAfterStderrAreBoundedToo() {
        ReplyLimits limits = new ReplyLimits(1 << 20, 1000);
        byte[] hello = wire(out -> out.writeU64(WorkerProtocol.MAGIC_2).writeU64(0x122).writeString("2.8.0")
                .writeU64(WorkerProtocol.STDERR_LAST));
        // a huge stderr message
        EndlessReply next = new EndlessReply(concat(hello, wire(out -> out.writeU64(WorkerProtocol.STDERR_NEXT)
                .writeU64(1L << 60))), new byte[8]);
        assertBounded(() -> {
            WorkerConnection c = new WorkerConnection(next, OutputStream.nullOutputStream(), limits);
            c.handshake(m -> {
            });
            c.awaitReply(m -> {
            });
        }, NixWireException.class, next, 1 << 20);
        // a million paths after STDERR_LAST
        EndlessReply paths = new EndlessReply(concat(hello, wire(out -> out.writeU64(WorkerProtocol.STDERR_LAST)
                .writeU64(1 << 20))), wire(out -> out.writeString(P1)));
        assertBounded(() -> {
            WorkerConnection c = new WorkerConnection(paths, OutputStream.nullOutputStream(), limits);
            c.handshake(m -> {
            });
            c.awaitReply(m -> {
            });
            // what QueryValidPaths replies, read as the reply it is
            c.reader().readStrings("valid path");
        }, ReplyLimitExceededException.class, paths, limits.maxReplyBytes());
    }

    private static ServeClient serve(EndlessReply reply, ReplyLimits limits) throws Exception {
        ServeClient c = new ServeClient(reply, OutputStream.nullOutputStream(), limits);
        c.handshake();
        return c;
    }

    @FunctionalInterface
    interface Attack {
        void run() throws Exception;
    }

    /** Runs {@code attack}: it must throw {@code type} within 30 s, reading and allocating within the bound. */
    private static <T extends Exception> T assertBounded(Attack attack, Class<T> type, EndlessReply reply,
            long bound) {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory
                .getThreadMXBean();
        return assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
            long before = threads.getCurrentThreadAllocatedBytes();
            Throwable thrown = null;
            try {
                attack.run();
            } catch (Exception e) {
                thrown = e;
            }
            long allocated = threads.getCurrentThreadAllocatedBytes() - before;
            assertThat(thrown).as("the attack must fail with a typed error").isInstanceOf(type)
                    .hasMessageNotContaining("null");
            assertThat(reply.served()).as("bytes read from the endless reply").isLessThanOrEqualTo(bound + SLACK);
            assertThat(allocated).as("bytes allocated while reading it").isLessThanOrEqualTo(4 * bound + (16L << 20));
            return type.cast(thrown);
        });
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] c = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}

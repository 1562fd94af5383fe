package dev.nixpool.nix.worker;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.function.Consumer;

import dev.nixpool.nix.wire.NixWireException;
import dev.nixpool.nix.wire.ReplyBudget;
import dev.nixpool.nix.wire.ReplyLimits;
import dev.nixpool.nix.wire.WireReader;
import dev.nixpool.nix.wire.WireWriter;

/**
 * The client side of a {@code nix-daemon --stdio} conversation: the Nix 2.8 handshake, then the stderr channel that
 * precedes each reply. Operations are written by the caller through {@link #writer()}; {@link #awaitReply} reads the
 * stderr messages up to STDERR_LAST and leaves the reply in {@link #reader()}.
 */
public final class WorkerConnection {

    private final ReplyBudget budget;
    private final WireReader in;
    private final WireWriter out;
    private int daemonVersion = -1;
    private String daemonNixVersion = "";

    public WorkerConnection(InputStream fromDaemon, OutputStream toDaemon) {
        this(fromDaemon, toDaemon, ReplyLimits.DEFAULTS);
    }

    /**
     * With {@code limits} on each stderr message and on the reply after STDERR_LAST; how much log a whole operation
     * may send is for the consumer of {@link #awaitReply} to bound.
     */
    public WorkerConnection(InputStream fromDaemon, OutputStream toDaemon, ReplyLimits limits) {
        this.budget = new ReplyBudget(new BufferedInputStream(fromDaemon, 64 * 1024), limits);
        this.in = new WireReader(budget);
        this.out = new WireWriter(new BufferedOutputStream(toDaemon, 64 * 1024));
    }

    /** Performs the handshake; the daemon's start-up messages go to {@code messages}. Returns the daemon's version. */
    public int handshake(Consumer<StderrMessage> messages) throws IOException {
        budget.start("the handshake");
        out.writeU64(WorkerProtocol.MAGIC_1).flush();
        long magic = in.readU64("the daemon's magic number");
        if (magic != WorkerProtocol.MAGIC_2) {
            throw new NixWireException("expected the nix-daemon magic 0x6478696f, got 0x" + Long.toHexString(magic)
                    + ": the remote is not a nix-daemon or prints to stdout first");
        }
        long wireVersion = in.readUnsignedInt("the daemon's protocol version");
        int version = (int) wireVersion;
        if (wireVersion > 0xFFFF || WorkerProtocol.major(version) != 0x100) {
            throw new NixWireException("expected worker protocol 1.x (0x1xx), got 0x" + Long.toHexString(wireVersion));
        }
        int negotiated = Math.min(version, WorkerProtocol.CLIENT_VERSION);
        out.writeU64(WorkerProtocol.CLIENT_VERSION);
        if (WorkerProtocol.minor(negotiated) >= 14) {
            out.writeU64(0);
        }
        if (WorkerProtocol.minor(negotiated) >= 11) {
            out.writeU64(0);
        }
        out.flush();
        daemonVersion = negotiated;
        if (WorkerProtocol.minor(negotiated) >= 33) {
            daemonNixVersion = in.readString("the daemon's Nix version", 1024);
        }
        awaitReply(messages);
        return version;
    }

    /**
     * Reads stderr messages up to STDERR_LAST, handing each other one to {@code messages}. STDERR_ERROR becomes a
     * {@link WorkerProtocolException}; STDERR_READ is refused since no operation sent here streams data to the daemon.
     */
    public void awaitReply(Consumer<StderrMessage> messages) throws IOException {
        StderrReader reader = new StderrReader(in, daemonVersion());
        while (true) {
            budget.start("a stderr message");
            StderrMessage m = reader.read();
            if (m instanceof StderrMessage.Last) {
                budget.start("the reply");
                return;
            }
            if (m instanceof StderrMessage.Error e) {
                throw new WorkerProtocolException(e);
            }
            if (m instanceof StderrMessage.Read r) {
                throw new NixWireException("the daemon asked for " + r.wanted()
                        + " bytes of input (STDERR_READ), but the operation sent none");
            }
            messages.accept(m);
        }
    }

    public int daemonVersion() {
        if (daemonVersion < 0) {
            throw new IllegalStateException("handshake() has not completed");
        }
        return daemonVersion;
    }

    /** "2.8.0" for Nix 2.8; empty for daemons older than protocol 1.33. */
    public String daemonNixVersion() {
        return daemonNixVersion;
    }

    public WireReader reader() {
        return in;
    }

    public WireWriter writer() {
        return out;
    }
}

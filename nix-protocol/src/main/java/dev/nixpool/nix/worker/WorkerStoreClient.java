package dev.nixpool.nix.worker;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.Collection;
import java.util.HashSet;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

import dev.nixpool.nix.store.StorePath;
import dev.nixpool.nix.store.ValidPathInfo;
import dev.nixpool.nix.wire.FramedOutputStream;
import dev.nixpool.nix.wire.NixWireException;
import dev.nixpool.nix.wire.WireReader;
import dev.nixpool.nix.wire.WireWriter;

/**
 * Writes store paths into a nix-daemon over its worker protocol, as {@code nix copy --to ssh-ng://} does (Nix 2.8's
 * RemoteStore): QueryValidPaths (without substitution) to learn which paths it lacks, then AddToStoreNar per path, the
 * NAR in Nix's framed stream (protocol 1.23 on, Nix 2.4 and newer). Signatures are never waived: the daemon checks the
 * path info's signatures against its own {@code trusted-public-keys} (with its default {@code require-sigs}), whether
 * or not it trusts the user, so a store accepts only paths signed by a key it trusts.
 * <p>
 * Works on a {@link WorkerConnection} whose handshake has completed. Not thread-safe: one operation at a time.
 */
public final class WorkerStoreClient {

    /** AddToStoreNar's framed NAR stream; older daemons want the NAR through STDERR_READ requests or raw. */
    public static final int MIN_MINOR_FOR_ADD = 23;
    static final int MAX_PATH = 4096;

    private final WorkerConnection connection;
    private final Consumer<StderrMessage> messages;
    private final int minor;

    /** {@code messages}: the daemon's log and activity messages, called on the caller's or the reader's thread. */
    public WorkerStoreClient(WorkerConnection connection, Consumer<StderrMessage> messages) {
        this.connection = connection;
        this.messages = messages;
        this.minor = WorkerProtocol.minor(connection.daemonVersion());
    }

    /** Which of {@code paths} the daemon's store has; it may name only paths asked about. */
    public Set<StorePath> queryValidPaths(Collection<StorePath> paths) throws IOException {
        Set<StorePath> asked = new HashSet<>(paths);
        TreeSet<String> sorted = new TreeSet<>();
        paths.forEach(p -> sorted.add(p.toString()));
        WireWriter out = connection.writer();
        out.writeU64(WorkerProtocol.OP_QUERY_VALID_PATHS).writeStrings(sorted);
        if (minor >= 27) {
            // substitute: no, the question is what the store has, not what it could fetch
            out.writeBool(false);
        }
        out.flush();
        connection.awaitReply(messages);
        WireReader in = connection.reader();
        int count = in.readInt("number of valid paths", asked.size());
        Set<StorePath> valid = new HashSet<>();
        for (int i = 0; i < count; i++) {
            StorePath p = StorePath.parse(in.readString("valid path " + i, MAX_PATH));
            if (!asked.contains(p)) {
                throw new NixWireException("the daemon answered QueryValidPaths with " + p + ", which was not asked");
            }
            valid.add(p);
        }
        return valid;
    }

    /**
     * Adds {@code info.path()} from exactly {@code info.narSize()} bytes of {@code nar}, with the signatures in
     * {@code info}. The daemon checks the NAR against narHash and narSize and the signatures against its trusted keys;
     * its refusal is a {@link WorkerProtocolException} with its message.
     */
    public void addToStoreNar(ValidPathInfo info, InputStream nar) throws IOException {
        if (minor < MIN_MINOR_FOR_ADD) {
            throw new NixWireException("the daemon speaks worker protocol 1." + minor
                    + "; adding paths to it needs 1.23 (Nix 2.4) or newer");
        }
        WireWriter out = connection.writer();
        out.writeU64(WorkerProtocol.OP_ADD_TO_STORE_NAR);
        WorkerPathInfoCodec.write(out, minor, info);
        // repair: no; dontCheckSigs: no, the store is to check our signature
        out.writeBool(false).writeBool(false);
        out.flush();
        // The daemon talks on its stderr channel while it reads the NAR and may refuse it half-way: read that channel
        // on a thread of its own (as Nix's withFramedSink does) so that neither side waits for the other.
        AtomicReference<IOException> failure = new AtomicReference<>();
        Thread reader = new Thread(() -> {
            try {
                connection.awaitReply(messages);
            } catch (IOException e) {
                failure.set(e);
            } catch (RuntimeException e) {
                failure.set(new IOException(e.getMessage(), e));
            }
        }, "nix-daemon-stderr " + info.path().baseName());
        reader.setDaemon(true);
        reader.start();
        IOException ours = null;
        try {
            sendFramed(info, nar, out, failure);
        } catch (IOException e) {
            ours = e;
        }
        try {
            reader.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while adding " + info.path() + " to the daemon's store");
        }
        // Our NAR failing explains the daemon's complaint about a short archive; otherwise the daemon's own account
        // says more than a broken pipe on our side.
        if (ours instanceof SourceFailure source) {
            if (failure.get() != null) {
                source.getCause().addSuppressed(failure.get());
            }
            throw (IOException) source.getCause();
        }
        if (failure.get() != null) {
            throw failure.get();
        }
        if (ours != null) {
            throw ours;
        }
    }

    /** A failure to read the NAR we are sending, as opposed to one to send it. */
    private static final class SourceFailure extends IOException {

        SourceFailure(IOException cause) {
            super(cause.getMessage(), cause);
        }
    }

    private static void sendFramed(ValidPathInfo info, InputStream nar, WireWriter out,
            AtomicReference<IOException> failure) throws IOException {
        // closing ends the frames with a zero-length one: also after a refusal, since the daemon drains them first
        try (FramedOutputStream framed = new FramedOutputStream(out.stream())) {
            byte[] buf = new byte[FramedOutputStream.DEFAULT_CHUNK];
            long sent = 0;
            while (sent < info.narSize() && failure.get() == null) {
                int n;
                try {
                    n = nar.read(buf, 0, (int) Math.min(buf.length, info.narSize() - sent));
                } catch (IOException e) {
                    throw new SourceFailure(e);
                }
                if (n < 0) {
                    throw new SourceFailure(new EOFException("the NAR of " + info.path() + " ended after " + sent
                            + " of its " + info.narSize() + " bytes"));
                }
                framed.write(buf, 0, n);
                sent += n;
            }
        }
    }
}

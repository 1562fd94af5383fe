package dev.nixpool.gateway;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.OptionalLong;

import dev.nixpool.nix.store.NixHash;
import dev.nixpool.nix.store.StorePath;
import dev.nixpool.nix.store.ValidPathInfo;
import dev.nixpool.nix.wire.NixWireException;
import dev.nixpool.nix.wire.WireReader;
import dev.nixpool.nix.wire.WireWriter;

/**
 * What the serve ({@link ServeEndpoint}) and worker ({@link WorkerEndpoint}) endpoints share: the client's streams
 * behind a {@link RequestBudget}, the {@link BuilderSession} behind them, one connection's end (the session told of the
 * failure, the spool deleted) whatever the protocol, and the bounded reading of store paths and path infos. The
 * protocol itself (handshake, requests, how an error reaches the client) is the subclass's.
 */
abstract class ProtocolEndpoint implements ClientEndpoint {

    static final int MAX_PATH = 512;
    static final int MAX_PATHS = 1 << 16;
    static final int MAX_SIGS = 256;
    private static final int BUFFER = 64 * 1024;

    final BuilderSession session;
    final InputSpool spool;
    final GatewayLimits limits;
    RequestBudget budget;
    WireReader in;
    WireWriter out;

    ProtocolEndpoint(BuilderSession session, GatewayLimits limits) {
        this.session = session;
        this.spool = session.spool();
        this.limits = limits;
    }

    /**
     * Serves the connection until the client closes it. Returns the exit status: 0 after a clean end, 1 after an error
     * (already told to the client by {@link #report}).
     */
    @Override
    public final int serve(InputStream fromClient, OutputStream toClient) {
        budget = new RequestBudget(new BufferedInputStream(fromClient, BUFFER));
        in = new WireReader(budget);
        out = new WireWriter(new BufferedOutputStream(toClient, BUFFER));
        String failure = null;
        try {
            converse();
            return 0;
        } catch (ClientProtocolException | BrokerException e) {
            failure = e.getMessage();
        } catch (IOException e) {
            failure = session.aborted() ? null : describe(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            session.end(failure);
        }
        if (failure != null) {
            report(failure);
        }
        return 1;
    }

    /** The client hung up (or the server stops): whatever the connection waits for ends, the builder is given back. */
    @Override
    public final void abort() {
        session.abort();
    }

    /** The handshake and every request until the client's input ends. */
    abstract void converse() throws IOException, BrokerException, InterruptedException;

    /** Tells the client the error that ends the connection, as its protocol does. */
    abstract void report(String failure);

    /**
     * The next request's number (a little-endian u64), empty at the end of the client's input. The request may take
     * {@code maxRequestBytes} besides its NARs. The first request after the handshake starts the session's early
     * builder.
     */
    final OptionalLong nextRequest(String what) throws IOException {
        budget.limit(limits.maxRequestBytes());
        int first = in.stream().read();
        if (first < 0) {
            return OptionalLong.empty();
        }
        byte[] rest = new byte[7];
        in.readFully(rest, 0, 7, what);
        long number = first & 0xff;
        for (int i = 0; i < 7; i++) {
            number |= (rest[i] & 0xffL) << (8 * (i + 1));
        }
        session.clientStarted();
        return OptionalLong.of(number);
    }

    final List<StorePath> readPaths(String what) throws IOException {
        List<StorePath> paths = new ArrayList<>();
        for (String s : in.readStrings(what, MAX_PATHS, MAX_PATH)) {
            paths.add(StorePath.parse(s));
        }
        return paths;
    }

    final StorePath readPath(String what) throws IOException {
        return StorePath.parse(in.readString(what, MAX_PATH));
    }

    final void writePaths(Collection<StorePath> paths) throws IOException {
        out.writeU64(paths.size());
        for (StorePath p : paths) {
            out.writeString(p.toString());
        }
    }

    /** A ValidPathInfo after its path, as both protocols' AddToStoreNar send it (bare base16 narHash). */
    static ValidPathInfo readInfo(WireReader from, StorePath path) throws IOException {
        StorePath deriver = StorePath.parseOptional(from.readString("deriver", MAX_PATH));
        NixHash narHash = NixHash.parseBare("sha256", from.readString("narHash", 128));
        List<StorePath> references = new ArrayList<>();
        for (String r : from.readStrings("reference", MAX_PATHS, MAX_PATH)) {
            references.add(StorePath.parse(r));
        }
        long registrationTime = from.readBounded("registrationTime", Long.MAX_VALUE);
        long narSize = from.readBounded("narSize", Long.MAX_VALUE);
        boolean ultimate = from.readBool("ultimate");
        List<String> sigs = from.readStrings("signature", MAX_SIGS, 1024);
        String ca = from.readString("content address", 1024);
        return new ValidPathInfo(path, deriver, narHash, references, registrationTime, narSize, ultimate, sigs, ca);
    }

    private static String describe(IOException e) {
        return e instanceof NixWireException ? e.getMessage() : "the connection failed: " + e;
    }
}

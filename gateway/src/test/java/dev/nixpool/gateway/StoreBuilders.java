package dev.nixpool.gateway;

import java.io.IOException;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import dev.nixpool.nix.build.BuildResult;
import dev.nixpool.nix.build.BuildResultCodec;
import dev.nixpool.nix.build.BuildStatus;
import dev.nixpool.nix.derivation.BasicDerivationCodec;
import dev.nixpool.nix.serve.ServeClient;
import dev.nixpool.nix.serve.ServeProtocol;
import dev.nixpool.nix.store.NixHash;
import dev.nixpool.nix.wire.WireReader;
import dev.nixpool.nix.wire.WireWriter;

/**
 * Stand-in builders with stores of their own, one per lease host: a serve server on pipes that keeps the paths it is
 * given (AddToStoreNar; like Nix, it checks each NAR against its declared hash and ends the link on a mismatch),
 * answers QueryValidPaths from them and builds any derivation at once, successfully and with no outputs. Records every
 * dial, every path each store received, every derivation it was asked to build and whether a link is open; a store can
 * be told to break its link at its next AddToStoreNar (a builder lost mid-upload), or to never finish a build (for what
 * happens while one runs: cancel, hang-up) until its link closes, as closing the SSH channel ends the remote nix-store.
 */
final class StoreBuilders implements BuilderDialer {

    /** What one builder host saw. */
    static final class Store {
        final Set<String> paths = ConcurrentHashMap.newKeySet();
        final List<String> received = new CopyOnWriteArrayList<>();
        /** Paths whose NAR was not of the declared hash: refused, the link ended, as Nix's serve does. */
        final List<String> refused = new CopyOnWriteArrayList<>();
        final List<String> built = new CopyOnWriteArrayList<>();
        final AtomicInteger dials = new AtomicInteger();
        final AtomicInteger open = new AtomicInteger();
        volatile boolean breakOnUpload;
        volatile boolean stallBuilds;
        /** Set: a dial of this builder waits for it before it logs in (a login still going on). */
        volatile CountDownLatch loginGate;
    }

    private final Map<String, Store> stores = new ConcurrentHashMap<>();

    Store store(String host) {
        return stores.computeIfAbsent(host, h -> new Store());
    }

    /** The store of a builder that never finishes a build. */
    Store stalling(String host) {
        Store store = store(host);
        store.stallBuilds = true;
        return store;
    }

    @Override
    public BuilderLink dial(BuilderLease lease, Consumer<String> stderr) throws BrokerException {
        Store store = store(lease.host());
        store.dials.incrementAndGet();
        CountDownLatch gate = store.loginGate;
        if (gate != null) {
            try {
                gate.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new BrokerException("interrupted while logging in to " + lease.host(), e);
            }
        }
        try {
            PipedOutputStream toServer = new PipedOutputStream();
            PipedInputStream serverIn = new PipedInputStream(toServer, 1 << 16);
            PipedOutputStream toClient = new PipedOutputStream();
            PipedInputStream clientIn = new PipedInputStream(toClient, 1 << 16);
            Thread server = new Thread(() -> serve(store, serverIn, toClient), "store-builder-" + lease.host());
            server.setDaemon(true);
            server.start();
            ServeClient client = new ServeClient(clientIn, toServer);
            client.handshake();
            store.open.incrementAndGet();
            return new BuilderLink() {
                private boolean closed;

                @Override
                public ServeClient client() {
                    return client;
                }

                @Override
                public String description() {
                    return "serve protocol 2.7, host key SHA256:" + lease.host();
                }

                @Override
                public String lossReason() {
                    return "its serve process ended";
                }

                @Override
                public synchronized void close() {
                    if (closed) {
                        return;
                    }
                    closed = true;
                    store.open.decrementAndGet();
                    try {
                        toServer.close();
                        clientIn.close();
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }
            };
        } catch (IOException e) {
            throw new BrokerException("cannot start the stand-in builder: " + e, e);
        }
    }

    private static void serve(Store store, PipedInputStream in, PipedOutputStream out) {
        WireReader r = new WireReader(in);
        WireWriter w = new WireWriter(out);
        try {
            r.readU64("magic");
            w.writeU64(ServeProtocol.MAGIC_2).writeU64(ServeProtocol.CLIENT_VERSION).flush();
            r.readU64("version");
            while (true) {
                long command = r.readU64("command");
                if (command == ServeProtocol.CMD_QUERY_VALID_PATHS) {
                    r.readBool("lock");
                    r.readBool("substitute");
                    w.writeStrings(r.readStrings("paths").stream().filter(store.paths::contains).toList()).flush();
                } else if (command == ServeProtocol.CMD_ADD_TO_STORE_NAR) {
                    if (store.breakOnUpload) {
                        out.close();
                        in.close();
                        return;
                    }
                    String path = r.readString("path");
                    r.readString("deriver");
                    String narHash = r.readString("narHash");
                    r.readStrings("references");
                    r.readU64("registrationTime");
                    long size = r.readU64("narSize");
                    r.readBool("ultimate");
                    r.readStrings("sigs");
                    r.readString("ca");
                    byte[] nar = new byte[(int) size];
                    r.readFully(nar, 0, nar.length, "nar");
                    if (!NixHash.sha256Of(nar).toBase16().equals(narHash)) {
                        // Nix's nix-store --serve fails the command with "hash mismatch importing path" and exits
                        store.refused.add(path);
                        out.close();
                        in.close();
                        return;
                    }
                    store.paths.add(path);
                    store.received.add(path);
                    w.writeU64(1).flush();
                } else if (command == ServeProtocol.CMD_BUILD_DERIVATION) {
                    String drv = r.readString("drv");
                    BasicDerivationCodec.read(r);
                    for (int i = 0; i < 6; i++) {
                        r.readU64("option");
                    }
                    store.built.add(drv);
                    if (store.stallBuilds) {
                        // never answers: the build runs until the link closes
                        r.readU64("nothing more");
                    }
                    BuildResultCodec.write(w, new BuildResult(BuildStatus.BUILT, "", 1, false, 0, 0, Map.of()),
                            BuildResultCodec.Shape.serve(ServeProtocol.minor(ServeProtocol.CLIENT_VERSION)));
                    w.flush();
                } else if (command == ServeProtocol.CMD_QUERY_PATH_INFOS) {
                    r.readStrings("paths");
                    w.writeString("").flush();
                } else {
                    return;
                }
            }
        } catch (IOException e) {
            // the link closed
        }
    }
}

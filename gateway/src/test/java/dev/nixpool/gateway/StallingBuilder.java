package dev.nixpool.gateway;

import java.io.IOException;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;

import dev.nixpool.nix.derivation.BasicDerivationCodec;
import dev.nixpool.nix.serve.ServeClient;
import dev.nixpool.nix.serve.ServeProtocol;
import dev.nixpool.nix.wire.WireReader;
import dev.nixpool.nix.wire.WireWriter;

/**
 * A builder link to a stand-in serve server that has every path and never finishes a build: for what happens while a
 * build runs (cancel, hang-up). {@link #building} opens when BuildDerivation arrived; {@link #closed} when the link
 * was closed, as closing the SSH channel ends the remote nix-store.
 */
final class StallingBuilder implements BuilderDialer {

    final CountDownLatch building = new CountDownLatch(1);
    final CountDownLatch closed = new CountDownLatch(1);

    @Override
    public BuilderLink dial(BuilderLease lease, Consumer<String> stderr) throws BrokerException {
        try {
            PipedOutputStream toServer = new PipedOutputStream();
            PipedInputStream serverIn = new PipedInputStream(toServer, 1 << 16);
            PipedOutputStream toClient = new PipedOutputStream();
            PipedInputStream clientIn = new PipedInputStream(toClient, 1 << 16);
            Thread server = new Thread(() -> serve(serverIn, toClient), "stalling-builder");
            server.setDaemon(true);
            server.start();
            ServeClient client = new ServeClient(clientIn, toServer);
            client.handshake();
            return new BuilderLink() {
                @Override
                public ServeClient client() {
                    return client;
                }

                @Override
                public String description() {
                    return "serve protocol 2.7, host key SHA256:stalling";
                }

                @Override
                public String lossReason() {
                    return "its serve process ended";
                }

                @Override
                public void close() {
                    try {
                        clientIn.close();
                        toServer.close();
                        serverIn.close();
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                    closed.countDown();
                }
            };
        } catch (IOException e) {
            throw new BrokerException("cannot start the stand-in builder: " + e, e);
        }
    }

    private void serve(PipedInputStream in, PipedOutputStream out) {
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
                    w.writeStrings(r.readStrings("paths")).flush();
                } else if (command == ServeProtocol.CMD_BUILD_DERIVATION) {
                    r.readString("drv");
                    BasicDerivationCodec.read(r);
                    for (int i = 0; i < 6; i++) {
                        r.readU64("option");
                    }
                    building.countDown();
                    // never answers: the build runs until the link closes
                    r.readU64("nothing more");
                } else {
                    return;
                }
            }
        } catch (IOException e) {
            // the link closed
        }
    }
}

package dev.nixpool.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A loopback TCP server that accepts connections and never sends a byte: the peer that timeouts must catch (a hung
 * sshd, a wrong port behind a proxy).
 */
public final class SilentTcpServer implements AutoCloseable {

    private final ServerSocket server;
    private final List<Socket> accepted = new CopyOnWriteArrayList<>();

    public SilentTcpServer(String loopbackAddress) throws IOException {
        server = new ServerSocket(0, 16, InetAddress.getByName(loopbackAddress));
        Thread acceptor = new Thread(this::acceptForever, "silent-tcp-" + server.getLocalPort());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public int port() {
        return server.getLocalPort();
    }

    /** How many connections it has taken so far. */
    public int acceptedCount() {
        return accepted.size();
    }

    private void acceptForever() {
        try {
            while (true) {
                accepted.add(server.accept());
            }
        } catch (IOException closed) {
            // close() closed the server socket: the acceptor's end
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : accepted) {
            s.close();
        }
    }
}

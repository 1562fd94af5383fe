package dev.nixpool.gateway;

import org.apache.sshd.core.CoreModuleProperties;
import org.apache.sshd.server.SshServer;

/**
 * How the gateway's SSH server receives a client's upload. Every NAR a client uploads arrives as SSH channel data, and
 * MINA's work per packet and per socket read (a read completion handed between threads, a packet buffer, a cipher
 * initialisation, a decode) is paid for every 32 KiB at its defaults. A client may send packets as large as the server
 * allows (OpenSSH sends what it has buffered, up to that size), so larger packets and reads divide that work.
 */
final class GatewayTransport {

    /**
     * The largest channel data packet a client may send. MINA refuses SSH packets over 256 KiB as a whole, so the data
     * of one must leave room for the packet's own header, padding and tag.
     */
    static final long MAX_PACKET_SIZE = 128 * 1024;
    /** One socket read: a few packets at once. */
    static final int READ_BUFFER_SIZE = 256 * 1024;

    private GatewayTransport() {
    }

    /**
     * Applied before the server starts. The channel window stays MINA's 2 MiB: what a client may send ahead of the
     * gateway's reading is held in memory per connection, and a larger window would multiply that by the connections
     * allowed at once.
     */
    static void configure(SshServer server) {
        CoreModuleProperties.MAX_PACKET_SIZE.set(server, MAX_PACKET_SIZE);
        CoreModuleProperties.NIO2_READ_BUFFER_SIZE.set(server, READ_BUFFER_SIZE);
    }
}

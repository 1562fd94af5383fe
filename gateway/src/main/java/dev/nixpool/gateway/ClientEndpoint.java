package dev.nixpool.gateway;

import java.io.InputStream;
import java.io.OutputStream;

/** The gateway's side of one client connection: the serve protocol (ssh://) or the worker protocol (ssh-ng://). */
interface ClientEndpoint {

    /** Serves until the client closes the connection; the exit status: 0 after a clean end, 1 after an error. */
    int serve(InputStream fromClient, OutputStream toClient);

    /** The client hung up (or the server stops): whatever the connection waits for ends, the builder is given back. */
    void abort();
}

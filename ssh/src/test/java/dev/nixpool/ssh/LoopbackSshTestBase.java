package dev.nixpool.ssh;

import java.io.IOException;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import dev.nixpool.testing.Closeables;
import dev.nixpool.testing.LoopbackSshd;

/** One real sshd (with its own Nix store) and one connector per test class, for the transport's ITs. */
abstract class LoopbackSshTestBase {

    protected static LoopbackSshd sshd;
    protected static SshConnector connector;

    @BeforeAll
    static void startSshd() throws IOException {
        sshd = LoopbackSshd.start();
        connector = new SshConnector();
    }

    @AfterAll
    static void stopSshd() throws Exception {
        Closeables.closeAll(connector, sshd);
    }

    /** Logs in to {@link #sshd} with its client key, pinning its host key. */
    protected static SshSession connect(SshTimeouts timeouts) throws SshTransportException {
        return connector.connect(sshd.target(), sshd.clientKey().privateKey(), sshd.hostKey().publicKey(), timeouts);
    }
}

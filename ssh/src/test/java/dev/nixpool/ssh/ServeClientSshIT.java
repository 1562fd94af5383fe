package dev.nixpool.ssh;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import dev.nixpool.nix.serve.AbstractServeClientIT;
import dev.nixpool.nix.serve.ServeProtocol;
import dev.nixpool.nix.testing.ProcessResult;
import dev.nixpool.testing.Closeables;
import dev.nixpool.testing.LoopbackSshd;

/**
 * Every serve command of {@link AbstractServeClientIT} through MINA to a real OpenSSH sshd running the real
 * {@code nix-store --serve --write} on a builder with its own store; {@link #runOnBuilder} runs over SSH too.
 */
class ServeClientSshIT extends AbstractServeClientIT {

    private static final Duration LIMIT = Duration.ofSeconds(120);

    private LoopbackSshd sshd;
    private SshConnector connector;

    @BeforeAll
    void startBuilder() throws Exception {
        sshd = LoopbackSshd.start();
        connector = new SshConnector();
    }

    /**
     * A login per serve session and per command, as Nix does (and as OpenSSH's MaxSessions, 10 channels per
     * connection, would otherwise refuse channels whose commands are still ending).
     */
    private SshSession login() throws SshTransportException {
        return connector.connect(sshd.target(), sshd.clientKey().privateKey(), sshd.hostKey().publicKey(),
                SshTimeouts.defaults());
    }

    @AfterAll
    void stopBuilder() throws Exception {
        Closeables.closeAll(connector, sshd);
    }

    @Override
    protected ServeSession openServe() throws Exception {
        StringBuffer stderr = new StringBuffer();
        SshSession session = login();
        RemoteProcess p;
        try {
            p = session.exec(ServeProtocol.REMOTE_COMMAND, line -> stderr.append(line).append('\n'));
        } catch (SshTransportException e) {
            session.close();
            throw e;
        }
        return ServeSession.of(p.stdout(), p.stdin(), stderr::toString, () -> {
            p.close();
            session.close();
        });
    }

    /** The argv is joined for the remote shell, each word single-quoted. */
    @Override
    protected ProcessResult runOnBuilder(String... argv) throws Exception {
        List<String> stderr = new CopyOnWriteArrayList<>();
        StringBuilder command = new StringBuilder();
        for (String a : argv) {
            command.append(command.isEmpty() ? "" : " ").append("'").append(a.replace("'", "'\\''")).append("'");
        }
        try (SshSession session = login(); RemoteProcess p = session.exec(command.toString(), stderr::add)) {
            p.stdin().close();
            byte[] out = p.stdout().readAllBytes();
            int status = p.waitFor(LIMIT);
            return new ProcessResult(status, out, String.join("\n", stderr));
        }
    }

}

package dev.nixpool.nix.testing;

import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.TimeUnit;

/** A long-running Nix process (a serve or daemon session) with its stderr collected. */
public final class NixProcess implements AutoCloseable {

    private final Process process;
    private final StreamPump stderr;

    NixProcess(Process process) {
        this.process = process;
        this.stderr = new StreamPump(process.getErrorStream(), "nix-stderr-" + process.pid());
    }

    public InputStream stdout() {
        return process.getInputStream();
    }

    public OutputStream stdin() {
        return process.getOutputStream();
    }

    public String stderr() {
        return stderr.text();
    }

    public Process process() {
        return process;
    }

    /** Closes stdin, which ends a serve session cleanly, then makes sure the process is gone. */
    @Override
    public void close() throws Exception {
        try {
            process.getOutputStream().close();
        } catch (java.io.IOException e) {
            // already closed by the peer
        }
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
        stderr.join(5000);
    }
}

package dev.nixpool.gateway;

import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;

import org.apache.sshd.server.Environment;
import org.apache.sshd.server.ExitCallback;
import org.apache.sshd.server.channel.ChannelSession;
import org.apache.sshd.server.command.Command;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code nix-store --serve --write} or {@code nix-daemon --stdio} for one client: its {@link ClientEndpoint} on a thread
 * of the gateway's pool.
 */
final class ServeCommand implements Command {

    private static final Logger LOG = LoggerFactory.getLogger(ServeCommand.class);

    private final ExecutorService threads;
    private final EndpointFactory factory;
    private InputStream in;
    private OutputStream out;
    private OutputStream err;
    private ExitCallback exit;
    private volatile ClientEndpoint endpoint;
    private volatile Future<?> running;

    /** Makes the endpoint once the client's stderr is known. */
    @FunctionalInterface
    interface EndpointFactory {
        ClientEndpoint create(ClientStderr stderr);
    }

    ServeCommand(ExecutorService threads, EndpointFactory factory) {
        this.threads = threads;
        this.factory = factory;
    }

    @Override
    public void setInputStream(InputStream in) {
        this.in = in;
    }

    @Override
    public void setOutputStream(OutputStream out) {
        this.out = out;
    }

    @Override
    public void setErrorStream(OutputStream err) {
        this.err = err;
    }

    @Override
    public void setExitCallback(ExitCallback exit) {
        this.exit = exit;
    }

    @Override
    public void start(ChannelSession channel, Environment env) {
        ClientStderr stderr = new ClientStderr(err, "nixpool-gateway-stderr-" + channel.getSession().getUsername());
        ClientEndpoint e = factory.create(stderr);
        endpoint = e;
        try {
            running = threads.submit(() -> {
                int status = 1;
                try {
                    status = e.serve(in, out);
                } catch (RuntimeException | Error failure) {
                    LOG.error("the gateway failed serving {}", channel.getSession().getUsername(), failure);
                    stderr.line("error: the gateway failed: " + failure);
                } finally {
                    stderr.close();
                    exit.onExit(status);
                }
            });
        } catch (RejectedExecutionException full) {
            stderr.line("error: the gateway serves as many connections as it may; retry later");
            stderr.close();
            exit.onExit(1);
        }
    }

    @Override
    public void destroy(ChannelSession channel) {
        ClientEndpoint e = endpoint;
        if (e != null) {
            e.abort();
        }
        if (running != null) {
            running.cancel(true);
        }
    }
}

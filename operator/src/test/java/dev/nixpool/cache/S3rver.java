package dev.nixpool.cache;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real S3-compatible server for the ITs: {@code s3rver} (npm; the launcher installs it) on 127.0.0.1 with a port the
 * kernel picks and a temp data directory, one bucket created at start. Its built-in credentials are
 * {@link #ACCESS_KEY_ID}/{@link #SECRET_ACCESS_KEY}; it refuses an unknown access key id but (3.7) does not verify
 * SigV4 signatures, so a wrong secret with the right key id is not something it can refuse.
 */
public final class S3rver implements AutoCloseable {

    public static final String ACCESS_KEY_ID = "S3RVER";
    public static final String SECRET_ACCESS_KEY = "S3RVER";

    private static final Pattern LISTENING = Pattern.compile("listening on 127\\.0\\.0\\.1:(\\d+)");

    private final Process process;
    private final Path dataDir;
    private final int port;
    private final StringBuilder output = new StringBuilder();

    private S3rver(String bucket) throws IOException, InterruptedException {
        dataDir = Files.createTempDirectory("nixpool-s3rver-");
        process = new ProcessBuilder("s3rver", "--directory", dataDir.toString(), "--address", "127.0.0.1", "--port",
                "0", "--configure-bucket", bucket).redirectErrorStream(true).start();
        CompletableFuture<Integer> listening = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    synchronized (output) {
                        output.append(line).append('\n');
                    }
                    Matcher m = LISTENING.matcher(line);
                    if (m.find()) {
                        listening.complete(Integer.parseInt(m.group(1)));
                    }
                }
            } catch (IOException e) {
                listening.completeExceptionally(e);
            }
            listening.completeExceptionally(new IOException("s3rver exited before listening: " + output()));
        }, "s3rver-output");
        reader.setDaemon(true);
        reader.start();
        try {
            port = listening.get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            close();
            throw new IOException("s3rver did not start: " + output(), e);
        }
    }

    public static S3rver start(String bucket) throws IOException, InterruptedException {
        return new S3rver(bucket);
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + port);
    }

    public String output() {
        synchronized (output) {
            return output.toString();
        }
    }

    @Override
    public void close() throws IOException, InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
        new ProcessBuilder("rm", "-rf", dataDir.toString()).inheritIO().start().waitFor(60, TimeUnit.SECONDS);
    }
}

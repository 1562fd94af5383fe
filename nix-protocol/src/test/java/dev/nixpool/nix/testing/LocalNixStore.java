package dev.nixpool.nix.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import dev.nixpool.nix.store.StorePath;

/**
 * A Nix store of its own for tests: a temp directory bind-mounted over {@code /nix} in a private mount namespace for
 * every command, so what a command does lands in this directory and nowhere else. Nix's settings come from a nix.conf
 * written here (offline, no sandbox, no build users), not from the machine's. Needs root, as {@code unshare} and a
 * fresh store do.
 */
public final class LocalNixStore implements AutoCloseable {

    private static final String NIX_CONF = """
            build-users-group =
            sandbox = false
            substituters =
            experimental-features = nix-command
            """;

    private final Path root;
    private final Path nixDir;
    private final Path confDir;

    private LocalNixStore(Path root) throws IOException {
        this.root = root;
        this.nixDir = Files.createDirectory(root.resolve("nix"));
        this.confDir = Files.createDirectory(root.resolve("conf"));
        Files.writeString(confDir.resolve("nix.conf"), NIX_CONF);
    }

    public static LocalNixStore create(String label) throws IOException {
        return new LocalNixStore(Files.createTempDirectory("nixpool-" + label + "-"));
    }

    /** A directory for the test's own files (Nix expressions, inputs), outside the store. */
    public Path workDir() throws IOException {
        return Files.createDirectories(root.resolve("work"));
    }

    /** Where {@code path} of this store really is on disk. */
    public Path realPath(StorePath path) {
        return nixDir.resolve("store").resolve(path.baseName());
    }

    public Path nixDir() {
        return nixDir;
    }

    public Path confDir() {
        return confDir;
    }

    /** The full command line that runs {@code argv} against this store. */
    public List<String> command(String... argv) {
        List<String> cmd = new ArrayList<>(List.of("unshare", "--mount", "--propagation", "private", "sh", "-c",
                "mount --bind \"$0\" /nix && exec \"$@\"", nixDir.toString()));
        cmd.addAll(List.of(argv));
        return cmd;
    }

    public ProcessResult run(String... argv) throws IOException, InterruptedException {
        return run(null, argv);
    }

    public ProcessResult run(byte[] stdin, String... argv) throws IOException, InterruptedException {
        Process p = processBuilder(argv).start();
        StreamPump out = new StreamPump(p.getInputStream(), "out");
        StreamPump err = new StreamPump(p.getErrorStream(), "err");
        try (OutputStream in = p.getOutputStream()) {
            if (stdin != null) {
                in.write(stdin);
            }
        }
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("timed out: " + String.join(" ", argv));
        }
        out.join(5000);
        err.join(5000);
        return new ProcessResult(p.exitValue(), out.bytes(), err.text());
    }

    /** Runs {@code argv} and returns its trimmed stdout, failing with its stderr on a non-zero exit. */
    public String runOk(String... argv) throws IOException, InterruptedException {
        return run(argv).requireSuccess(String.join(" ", argv)).stdoutText().trim();
    }

    /** Starts {@code nix-store --serve --write} on this store. */
    public NixProcess startServe() throws IOException {
        return start("nix-store", "--serve", "--write");
    }

    public NixProcess start(String... argv) throws IOException {
        return new NixProcess(processBuilder(argv).start());
    }

    /** Writes a Nix expression to the work dir and instantiates it here; returns the .drv's store path. */
    public StorePath instantiate(String name, String expression) throws IOException, InterruptedException {
        Path file = workDir().resolve(name + ".nix");
        Files.writeString(file, expression, StandardCharsets.UTF_8);
        return StorePath.parse(runOk("nix-instantiate", file.toString()));
    }

    private ProcessBuilder processBuilder(String... argv) {
        ProcessBuilder pb = new ProcessBuilder(command(argv));
        pb.environment().put("NIX_CONF_DIR", confDir.toString());
        pb.environment().remove("NIX_REMOTE");
        pb.environment().put("HOME", root.toString());
        return pb;
    }

    /** Root bypasses the store's read-only permissions, so a plain recursive delete works. */
    @Override
    public void close() throws IOException, InterruptedException {
        Process rm = new ProcessBuilder("rm", "-rf", root.toString()).inheritIO().start();
        if (!rm.waitFor(120, TimeUnit.SECONDS)) {
            rm.destroyForcibly();
        }
    }
}

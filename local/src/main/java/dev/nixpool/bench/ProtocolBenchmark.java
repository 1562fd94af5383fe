package dev.nixpool.bench;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import dev.nixpool.nix.nar.NarCopier;
import dev.nixpool.nix.nar.NarParser;
import dev.nixpool.nix.nar.NarVisitor;
import dev.nixpool.nix.nar.NarWriter;
import dev.nixpool.nix.serve.ServeClient;
import dev.nixpool.nix.store.NixHash;
import dev.nixpool.nix.store.StorePath;

/**
 * Throughput of the Nix protocol codecs next to plain stream copies of the same bytes, and serve-protocol round trips
 * per second against a local {@code nix-store --serve --write}. Plain classpath, no Quarkus:
 * {@code java -cp 'local/target/nixpool-local.jar:local/target/lib/*' dev.nixpool.bench.ProtocolBenchmark [--size-mib N]
 * [--rounds N] [--serve-seconds N] [--no-serve]}.
 */
public final class ProtocolBenchmark {

    /** Every variant writes here, so each pays the same cost of handing bytes on. */
    private static final OutputStream SINK = new ScratchSink();

    private ProtocolBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int sizeMib = 256;
        int rounds = 5;
        int serveSeconds = 5;
        boolean serve = true;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--size-mib" -> sizeMib = Integer.parseInt(args[++i]);
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--serve-seconds" -> serveSeconds = Integer.parseInt(args[++i]);
                case "--no-serve" -> serve = false;
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + "; use --size-mib N, --rounds N, --serve-seconds N, --no-serve");
            }
        }
        System.out.printf(Locale.ROOT, "Nix protocol benchmark: java %s, %d cores, %d MiB tree, best of %d rounds%n",
                System.getProperty("java.version"), Runtime.getRuntime().availableProcessors(), sizeMib, rounds);
        Path root = Files.createTempDirectory("nixpool-bench-");
        try {
            narBenchmarks(root, sizeMib, rounds);
            if (serve) {
                serveBenchmark(root, serveSeconds);
            }
        } finally {
            deleteTree(root);
        }
    }

    private static void narBenchmarks(Path root, int sizeMib, int rounds) throws IOException {
        Path tree = generateTree(root.resolve("tree"), sizeMib);
        ByteArrayOutputStream narBuffer = new ByteArrayOutputStream(sizeMib * 1024 * 1024 + (1 << 20));
        NarWriter.dump(tree, narBuffer);
        byte[] nar = narBuffer.toByteArray();
        narBuffer = null;
        double mb = nar.length / 1e6;
        System.out.printf(Locale.ROOT, "NAR size: %.1f MB%n%n", mb);
        System.out.printf(Locale.ROOT, "%-52s %10s%n", "operation", "MB/s");
        report("raw: read the tree's files (64 KiB reads)", mb, rounds, () -> readFiles(tree));
        report("codec: NarWriter.dump(tree)", mb, rounds, () -> NarWriter.dump(tree, SINK));
        report("raw: copy NAR bytes (64 KiB reads)", mb, rounds, () -> copy(new ByteArrayInputStream(nar)));
        report("codec: NarParser.parse (validate, no hash)", mb, rounds,
                () -> NarParser.parse(new ByteArrayInputStream(nar), NarVisitor.IGNORE));
        report("raw: SHA-256 of NAR bytes", mb, rounds, () -> sha256(nar));
        report("codec: NarCopier.copy (validate + SHA-256 + copy)", mb, rounds,
                () -> NarCopier.copy(new ByteArrayInputStream(nar), SINK));
        report("raw: NAR bytes through a thread pipe", mb, rounds, () -> rawPiped(nar));
        report("codec: NarWriter.dump | NarCopier.copy (piped)", mb, rounds, () -> writeAndParsePiped(tree));
    }

    @FunctionalInterface
    private interface Work {
        void run() throws Exception;
    }

    private static void report(String what, double mb, int rounds, Work work) {
        double best = 0;
        for (int i = 0; i < rounds; i++) {
            long t0 = System.nanoTime();
            try {
                work.run();
            } catch (Exception e) {
                throw new IllegalStateException(what + " failed", e);
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            best = Math.max(best, mb / seconds);
        }
        System.out.printf(Locale.ROOT, "%-52s %10.0f%n", what, best);
    }

    /** The writer on one thread, the parser on another, as a DumpStorePath relay runs them. */
    private static void writeAndParsePiped(Path tree) throws Exception {
        BlockPipe pipe = new BlockPipe(64);
        Thread writer = new Thread(() -> {
            try (OutputStream out = pipe.output()) {
                NarWriter.dump(tree, out);
            } catch (IOException e) {
                pipe.fail(e);
            }
        }, "nar-writer");
        writer.start();
        NarCopier.copy(pipe.input(), SINK);
        writer.join();
    }

    private static void rawPiped(byte[] nar) throws Exception {
        BlockPipe pipe = new BlockPipe(64);
        Thread writer = new Thread(() -> {
            try (OutputStream out = pipe.output()) {
                out.write(nar);
            } catch (IOException e) {
                pipe.fail(e);
            }
        }, "raw-writer");
        writer.start();
        copy(pipe.input());
        writer.join();
    }

    private static void copy(InputStream in) throws IOException {
        byte[] buf = new byte[64 * 1024];
        int n;
        while ((n = in.read(buf)) >= 0) {
            SINK.write(buf, 0, n);
        }
    }

    private static void readFiles(Path tree) throws IOException {
        try (Stream<Path> walk = Files.walk(tree)) {
            for (Path p : walk.filter(Files::isRegularFile).toList()) {
                try (InputStream in = Files.newInputStream(p)) {
                    copy(in);
                }
            }
        }
    }

    private static void sha256(byte[] data) {
        MessageDigest d = NixHash.newSha256();
        d.update(data);
        d.digest();
    }

    /** Sizes as a store path mixes them: many small files, some large ones. */
    private static Path generateTree(Path root, int sizeMib) throws IOException {
        Random r = new Random(1);
        long target = (long) sizeMib * 1024 * 1024;
        long written = 0;
        int n = 0;
        byte[] block = new byte[1 << 20];
        r.nextBytes(block);
        while (written < target) {
            Path dir = Files.createDirectories(root.resolve("d" + (n % 16)).resolve("s" + (n % 7)));
            int size = n % 10 == 0 ? (1 << 20) * (1 + r.nextInt(4)) : 512 + r.nextInt(64 * 1024);
            size = (int) Math.min(size, target - written);
            try (OutputStream out = Files.newOutputStream(dir.resolve("f" + n))) {
                int left = size;
                while (left > 0) {
                    int k = Math.min(left, block.length);
                    out.write(block, 0, k);
                    left -= k;
                }
            }
            written += size;
            n++;
        }
        return root;
    }

    private static void serveBenchmark(Path root, int seconds) throws Exception {
        Path nixDir = Files.createDirectory(root.resolve("nix"));
        Path conf = Files.createDirectory(root.resolve("conf"));
        Files.writeString(conf.resolve("nix.conf"),
                "build-users-group =\nsandbox = false\nsubstituters =\nexperimental-features = nix-command\n");
        List<String> cmd = new ArrayList<>(List.of("unshare", "--mount", "--propagation", "private", "sh", "-c",
                "mount --bind \"$0\" /nix && exec nix-store --serve --write", nixDir.toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT);
        pb.environment().put("NIX_CONF_DIR", conf.toString());
        Process p = pb.start();
        try {
            ServeClient client = new ServeClient(p.getInputStream(), p.getOutputStream());
            client.handshake();
            List<StorePath> one = List.of(StorePath.parse("/nix/store/" + "0".repeat(32) + "-bench"));
            for (int i = 0; i < 200; i++) {
                client.queryValidPaths(false, false, one);
            }
            long count = 0;
            long t0 = System.nanoTime();
            long end = t0 + TimeUnit.SECONDS.toNanos(seconds);
            while (System.nanoTime() < end) {
                client.queryValidPaths(false, false, one);
                count++;
            }
            double elapsed = (System.nanoTime() - t0) / 1e9;
            System.out.printf(Locale.ROOT, "%nserve QueryValidPaths (1 path) against local nix-store --serve --write:"
                    + " %.0f round trips/s (%d in %.1f s, mean %.1f us)%n", count / elapsed, count, elapsed,
                    elapsed * 1e6 / count);
        } finally {
            p.getOutputStream().close();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}

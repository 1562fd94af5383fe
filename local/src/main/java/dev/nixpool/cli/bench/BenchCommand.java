package dev.nixpool.cli.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.util.List;

import dev.nixpool.bench.ChaosBenchmark;
import dev.nixpool.bench.ChaosOptions;
import dev.nixpool.bench.GatewayBenchmark;
import dev.nixpool.bench.LifecycleBenchmark;
import dev.nixpool.bench.ProtocolBenchmark;
import dev.nixpool.bench.ScaleBenchmark;
import dev.nixpool.bench.ScaleOptions;
import dev.nixpool.bench.UploadBenchmark;
import dev.nixpool.bench.UploadOptions;
import dev.nixpool.cli.Command;
import dev.nixpool.cli.UsageException;

/** {@code nixpool bench lifecycle|protocol|scale|upload|gateway|chaos}: the benchmarks whose figures docs/benchmarks.md records. */
public final class BenchCommand implements Command {

    @Override
    public String name() {
        return "bench";
    }

    @Override
    public String summary() {
        return "run a benchmark: lifecycle (builds on a local cluster), protocol (NAR codec, serve round trips),"
                + " scale (thousands of builds applied at once), upload (copyTo throughput against nix copy),"
                + " gateway (Nix clients through the gateway vs direct) or chaos (builds while the operator, builder"
                + " pods and SSH connections are killed)";
    }

    @Override
    public String usage() {
        return """
                usage: nixpool bench lifecycle [--builds N] [--concurrency C] [--warm | --reusable]
                                               [--operator-log FILE] [--set KEY=VALUE]...
                       nixpool bench protocol [--size-mib N] [--rounds N] [--serve-seconds N] [--no-serve]
                       nixpool bench scale [--builds N] [--max-builders M] [--run-seconds S] [--warm-up W]
                                           [--builder-nice N (default 10)] [--operator-nice N (default 19)]
                                           [--operator-log FILE] [--set KEY=VALUE]...
                       nixpool bench upload [--size-mib N] [--compression xz|zstd|none]
                                            [--only-random | --only-compressible]
                       nixpool bench gateway [--builds N] [--input-mib M] [--input-dir DIR]
                                             [--warm-up-mib W (default 256, 0: none)] [--operator-log FILE]
                       nixpool bench chaos [--builds N] [--operator-kills K] [--pod-deletes D]
                                           [--connection-cuts C] [--concurrency J] [--seed S]
                                           [--operator-log FILE] [--set KEY=VALUE]...

                lifecycle  starts a local cluster (in-memory API server, builder runtime, the packaged operator as
                           its own process), runs N trivial NixBuilds (default 10), at most C at a time (default 1),
                           and prints median and p95 of each phase: schedule, pod start, connect + handshake,
                           evaluate, build, collect + finish, and end to end, beside a real nix-build offloading
                           the same builds to a warm builder. --warm: the pool keeps C idle Ready builders
                           (ephemeral, minIdle C) and each build is created once one is idle; --reusable: the same
                           with builders that are reused (ephemeral: false); both report created -> build command
                           on the builder and issue 9's targets. --operator-log keeps the operator's output in FILE.
                           --set passes an operator setting, e.g. --set nixpool.runner.threads=4. Needs root.
                protocol   NAR codec throughput and serve-protocol round trips against a local
                           'nix-store --serve --write' on a throw-away store. Needs root.
                scale      starts a local cluster, applies N ConfigMaps and then N trivial NixBuilds (default 1000)
                           with kubectl, each in one apply, to a pool of M builders (default 4), and prints both apply
                           times, when every build was placed (Scheduled, or queued with a position), the most
                           builder pods seen against M, the operator's peak heap and RSS, API writes per build, and
                           builds finished in the next S seconds (default 60) while a client lists every NixBuild
                           once a second; then times kubectl delete nixbuilds --all. Before the measured applies,
                           W ConfigMaps and W NixBuilds (default 100; 0: none) are applied and deleted in a
                           namespace of their own to warm both JVMs up. The builder pods run at nice 10 and the
                           operator at nice 19, standing for worker nodes apart from the API server's (they still get
                           every cycle it leaves); --builder-nice 0 --operator-nice 0 shares the CPU equally, as local
                           mode does. The lister starts when the NixBuilds' apply ends. Needs root.
                upload     starts a local cluster and builds an N MiB output (default 1024; random bytes, then text
                           that compresses) on a reusable builder of a pool whose copyTo is a file:// cache; prints
                           the operator's upload throughput (phase Uploading to Succeeded) beside nix copy --to
                           file:// of the same output run on the same builder, with the same compression (default
                           xz). Needs root.
                gateway    starts a local cluster with the SSH gateway and runs this machine's nix-build
                           --max-jobs 0 side by side: N trivial builds (default 10) through the gateway to a pool's
                           warm builder, alternating with the same builds offloaded directly over OpenSSH to a builder
                           pod of the same kind; then one build each whose input is M MiB of random bytes (default
                           1024, generated once into DIR, default /var/tmp/nixpool-bench, and added to this machine's
                           store). Prints the medians' ratio (target <= 1.3x) and the large build's throughput through
                           the gateway as a share of the direct one's (target >= 70 %). Needs root.
                chaos      starts a local cluster and runs N trivial NixBuilds (default 50), J at a time (default
                           4), each held on its builder until released at a random moment, while the operator
                           process is SIGKILLed K times (default 5; restarted as a Deployment would), D builder
                           pods of Building builds are deleted (default 5) and C builds' SSH connections are cut
                           (default 5; the builder's sshd session is killed). Moments and targets come from the
                           seed (default 13). Prints the builds that succeeded, the attempts histogram, kills and
                           restarts, the most builder pods one attempt had, the pods and Secrets left, and the
                           times. Needs root.

                exit codes: 0 done (lifecycle: every build succeeded; scale: none failed; chaos: every check held), 1 a build failed or the benchmark could not
                run, 2 bad arguments
                """;
    }

    @Override
    public int run(List<String> args, PrintStream out, PrintStream err) throws UsageException {
        if (args.isEmpty()) {
            throw new UsageException(
                    "expected a benchmark name, lifecycle, protocol, scale, upload, gateway or chaos, got nothing");
        }
        List<String> options = args.subList(1, args.size());
        return switch (args.get(0)) {
            case "lifecycle" -> lifecycle(options, out, err);
            case "protocol" -> protocol(options, err);
            case "scale" -> scale(options, out, err);
            case "upload" -> upload(options, out, err);
            case "gateway" -> gateway(options, out, err);
            case "chaos" -> chaos(options, out, err);
            default -> throw new UsageException("expected a benchmark name, lifecycle, protocol, scale, upload,"
                    + " gateway or chaos, got '" + args.get(0) + "'");
        };
    }

    private static int lifecycle(List<String> args, PrintStream out, PrintStream err) throws UsageException {
        LifecycleBenchmark.Options options;
        try {
            options = LifecycleBenchmark.Options.parse(args);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        try {
            return LifecycleBenchmark.run(options, LifecycleBenchmark.repoRoot(), out);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println("nixpool bench lifecycle: interrupted");
            return 1;
        } catch (RuntimeException e) {
            err.println("nixpool bench lifecycle: " + e.getMessage());
            return 1;
        }
    }

    private static int scale(List<String> args, PrintStream out, PrintStream err) throws UsageException {
        ScaleOptions options;
        try {
            options = ScaleOptions.parse(args);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        try {
            return ScaleBenchmark.run(options, LifecycleBenchmark.repoRoot(), out);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println("nixpool bench scale: interrupted");
            return 1;
        } catch (RuntimeException e) {
            err.println("nixpool bench scale: " + e.getMessage());
            return 1;
        }
    }

    private static int upload(List<String> args, PrintStream out, PrintStream err) throws UsageException {
        UploadOptions options;
        try {
            options = UploadOptions.parse(args);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        try {
            return UploadBenchmark.run(options, LifecycleBenchmark.repoRoot(), out);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println("nixpool bench upload: interrupted");
            return 1;
        } catch (IOException | RuntimeException e) {
            err.println("nixpool bench upload: " + e.getMessage());
            return 1;
        }
    }

    private static int gateway(List<String> args, PrintStream out, PrintStream err) throws UsageException {
        GatewayBenchmark.Options options;
        try {
            options = GatewayBenchmark.Options.parse(args);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        try {
            return GatewayBenchmark.run(options, LifecycleBenchmark.repoRoot(), out);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println("nixpool bench gateway: interrupted");
            return 1;
        } catch (RuntimeException e) {
            err.println("nixpool bench gateway: " + e.getMessage());
            return 1;
        }
    }

    private static int chaos(List<String> args, PrintStream out, PrintStream err) throws UsageException {
        ChaosOptions options;
        try {
            options = ChaosOptions.parse(args);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        try {
            return ChaosBenchmark.run(options, LifecycleBenchmark.repoRoot(), out);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println("nixpool bench chaos: interrupted");
            return 1;
        } catch (RuntimeException e) {
            err.println("nixpool bench chaos: " + e.getMessage());
            return 1;
        }
    }

    private static int protocol(List<String> args, PrintStream err) throws UsageException {
        try {
            ProtocolBenchmark.main(args.toArray(String[]::new));
            return 0;
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        } catch (Exception e) {
            err.println("nixpool bench protocol: " + e);
            return 1;
        }
    }
}

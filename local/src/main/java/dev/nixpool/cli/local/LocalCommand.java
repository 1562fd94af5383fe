package dev.nixpool.cli.local;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import dev.nixpool.cli.Command;
import dev.nixpool.cli.UsageException;
import dev.nixpool.local.LocalClusterConfig;

/**
 * {@code nixpool local}: Nixpool end to end on this machine, in the foreground, for the real kubectl. The launcher
 * checks the prerequisites and root before the JVM starts.
 */
public final class LocalCommand implements Command {

    /** Builder pods take 127.0.0.2-99; the scenario tests use addresses above 100, so both can run at once. */
    static final int FIRST_ADDRESS = 2;
    static final int LAST_ADDRESS = 99;

    @Override
    public String name() {
        return "local";
    }

    @Override
    public String summary() {
        return "run Nixpool on this machine (embedded API server, local builders, the operator) for kubectl";
    }

    @Override
    public String usage() {
        return """
                usage: nixpool local [--state-dir DIR] [--api-port PORT] [--operator-log FILE] [--set KEY=VALUE]...

                Starts an embedded, in-memory Kubernetes API server with the CRDs of crds/, the example pools of
                examples/buildmachine-*.yaml, the builder runtime (builder pods become local sshd + Nix processes on
                127.0.0.2-99, each with its own Nix store) and the packaged operator as its own process. Once the
                operator serves the pools it prints one line on stdout, 'export KUBECONFIG=FILE', for kubectl;
                everything else goes to stderr. Runs until Ctrl-C or SIGTERM, then stops everything and removes its
                files. Needs root (./nixpool checks, and installs Nix, OpenSSH and kubectl when missing).

                --state-dir DIR      where this run's directory (kubeconfig, builders, build logs, operator log) is
                                     created; default: .nixpool/ in the repository. No ancestor may be group- or
                                     world-writable (sshd's StrictModes), so not /tmp
                --api-port PORT      the API server's port on 127.0.0.1 (default 0: a free one)
                --operator-log FILE  keep the operator's output there (default: in the run's directory, removed at
                                     stop)
                --set KEY=VALUE      an operator setting, e.g. --set nixpool.runner.threads=4

                exit codes: 1 could not start, 2 bad arguments; after Ctrl-C or SIGTERM the JVM's 130 or 143
                """;
    }

    @Override
    public int run(List<String> args, PrintStream out, PrintStream err) throws UsageException {
        LocalOptions options = LocalOptions.parse(args);
        Path repo = LocalClusterConfig.repoRoot();
        Path stateDir = (options.stateDir() != null ? options.stateDir() : repo.resolve(".nixpool")).toAbsolutePath()
                .normalize();
        Optional<String> unsafe = writableByOthers(stateDir);
        if (unsafe.isPresent()) {
            err.println("nixpool local: the state directory " + stateDir + " is below " + unsafe.get()
                    + ", which others may write to; sshd refuses builder keys there (StrictModes). Choose another"
                    + " with --state-dir, e.g. under your home or the repository");
            return 1;
        }
        LocalClusterConfig config = LocalClusterConfig.fromRepository(repo, stateDir)
                .withAddresses(FIRST_ADDRESS, LAST_ADDRESS)
                .withApiServerPort(options.apiPort());
        if (options.operatorLog() != null) {
            config = config.withOperatorLog(options.operatorLog().toAbsolutePath());
        }
        for (var setting : options.operatorProperties().entrySet()) {
            config = config.withOperatorProperty(setting.getKey(), setting.getValue());
        }
        return new LocalSession(err).run(config, repo.resolve("examples"), out);
    }

    /** The first existing directory from {@code dir} up to / that is group- or world-writable. */
    static Optional<String> writableByOthers(Path dir) {
        for (Path p = dir; p != null; p = p.getParent()) {
            if (!Files.isDirectory(p)) {
                continue;
            }
            try {
                Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(p);
                if (permissions.contains(PosixFilePermission.GROUP_WRITE)
                        || permissions.contains(PosixFilePermission.OTHERS_WRITE)) {
                    return Optional.of(p.toString());
                }
            } catch (IOException e) {
                return Optional.of(p + " (cannot read its permissions: " + e.getMessage() + ")");
            }
        }
        return Optional.empty();
    }
}

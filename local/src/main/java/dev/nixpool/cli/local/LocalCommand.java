package dev.nixpool.cli.local;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;

import dev.nixpool.cli.Command;
import dev.nixpool.cli.UsageException;
import dev.nixpool.local.LocalClusterConfig;
import dev.nixpool.local.LocalGateway;

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
                usage: nixpool local [--state-dir DIR] [--api-port PORT] [--operator-log FILE]
                                     [--operator-replicas N] [--set KEY=VALUE]...
                                     [--node-label KEY=VALUE|KEY-]... [--node-taint KEY[=VALUE]:EFFECT]...

                Starts an embedded, in-memory Kubernetes API server with the CRDs of crds/, the example pools of
                examples/buildmachine-*.yaml, the builder runtime (builder pods become local sshd + Nix processes on
                127.0.0.2-99, each with its own Nix store) and the packaged operator as its own process. Once the
                operator serves the pools it prints one line on stdout, 'export KUBECONFIG=FILE', for kubectl;
                everything else goes to stderr. Runs until Ctrl-C or SIGTERM, then stops everything and removes its
                files. Needs root (./nixpool checks, and installs Nix, OpenSSH and kubectl when missing).

                --state-dir DIR      where this run's directory (kubeconfig, builders, build logs, operator log) is
                                     created; default: .nixpool/ in the repository, or /var/lib/nixpool/HASH when
                                     sshd's StrictModes would refuse that (a clone below /tmp). Every directory up to
                                     / must be owned by root (or you) and writable by no one else
                --api-port PORT      the API server's port on 127.0.0.1 (default 0: a free one)
                --operator-log FILE  keep the operator's output there (default: in the run's directory, removed at
                                     stop)
                --operator-replicas N
                                     run N operator processes (default 1, at most 5), as a Deployment's replicas:
                                     one leads (holds the Lease nixpool-operator in namespace default), the others
                                     stand by and take over when it dies. Replica i > 0 logs to FILE-i (operator-i.log)
                --set KEY=VALUE      an operator setting, e.g. --set nixpool.runner.threads=4
                --node-label KEY=VALUE, --node-label KEY-
                                     set or remove a label of the node the builder runtime plays; by default it
                                     has kubernetes.io/os, kubernetes.io/arch, kubernetes.io/hostname,
                                     nixpool.dev/big-parallel=true and, when /dev/kvm is usable, nixpool.dev/kvm=true.
                                     Builder pods whose node selector does not match stay Pending (FailedScheduling)
                --node-taint KEY[=VALUE]:EFFECT
                                     a taint of that node (NoSchedule, PreferNoSchedule, NoExecute)

                With one operator replica the SSH gateway for Nix clients listens on a free port of 127.0.0.1; the
                summary names the ssh_config and machines file (one line per pool plus 'auto') a local Nix uses:
                NIX_SSHOPTS="-F STATE/gateway/ssh_config" nix-build --max-jobs 0 --builders @STATE/gateway/machines

                An operator process that exits although nobody stopped it (killed, crashed) is started again, as a
                Deployment would: at once, then after 10 s, 20 s, ... up to 5 min; each restart is a warning on stderr
                with its count.

                exit codes: 1 could not start, 2 bad arguments; after Ctrl-C or SIGTERM the JVM's 130 or 143
                """;
    }

    @Override
    public int run(List<String> args, PrintStream out, PrintStream err) throws UsageException {
        LocalOptions options = LocalOptions.parse(args);
        Path repo = LocalClusterConfig.repoRoot();
        StateDirectory state;
        try {
            state = StateDirectory.choose(options.stateDir(), repo, StateDirectory.SYSTEM_BASE);
        } catch (StateDirectory.UnusableStateDirectory e) {
            err.println("nixpool local: " + e.getMessage());
            return 1;
        }
        err.println("nixpool local: state directory " + state.dir()
                + state.note().map(note -> " (" + note + ")").orElse(""));
        Path stateDir = state.dir();
        LocalClusterConfig config = LocalClusterConfig.fromRepository(repo, stateDir)
                .withAddresses(FIRST_ADDRESS, LAST_ADDRESS)
                .withApiServerPort(options.apiPort())
                .withNode(options.nodeLabelChanges(), options.nodeTaints());
        if (options.operatorLog() != null) {
            config = config.withOperatorLog(options.operatorLog().toAbsolutePath());
        }
        config = config.withOperatorReplicas(options.operatorReplicas());
        if (options.operatorReplicas() == 1) {
            // one gateway on one loopback port: replicas would all try to bind it
            for (var setting : LocalGateway.properties(LocalGateway.freePort()).entrySet()) {
                config = config.withOperatorProperty(setting.getKey(), setting.getValue());
            }
        }
        for (var setting : options.operatorProperties().entrySet()) {
            config = config.withOperatorProperty(setting.getKey(), setting.getValue());
        }
        return new LocalSession(err).run(config, repo.resolve("examples"), out);
    }
}

package dev.nixpool.cli.logs;

import java.io.PrintStream;
import java.util.List;

import dev.nixpool.cli.Command;
import dev.nixpool.cli.UsageException;

/** {@code nixpool logs}: a NixBuild's log through the API server, with the caller's own kubeconfig and RBAC. */
public final class LogsCommand implements Command {

    @Override
    public String name() {
        return "logs";
    }

    @Override
    public String summary() {
        return "print (and follow) a NixBuild's log with your kubeconfig";
    }

    @Override
    public String usage() {
        return """
                usage: nixpool logs NAME [-n NS] [--attempt N] [-f] [--kubeconfig FILE] [--context NAME]
                                    [--operator-namespace NS] [--operator-service NAME:PORT]

                Prints the log of NixBuild NAME (its latest attempt, or attempt N) as the operator keeps it. The
                request goes to the API server of your kubeconfig's current context (KUBECONFIG, else
                ~/.kube/config; --kubeconfig and --context choose another) and through its service proxy to the
                operator's Service (default nixpool-system/nixpool-operator:http), carrying your token so the
                operator can check that you may get that NixBuild. You need get on services/proxy
                'nixpool-operator:http' in nixpool-system and get on the NixBuild; see docs/logs.md.

                  -n, --namespace NS   the NixBuild's namespace (default: the context's, else default)
                  --attempt N          one attempt's log instead of the latest
                  -f, --follow         keep printing as the log grows, and the attempts after it, until the build
                                       has ended (with --attempt: until that attempt's log is complete)

                exit codes: 0 the log was printed; 1 the log could not be read (the reason is printed: not
                allowed, unknown build, evicted log, no operator reachable); 2 bad arguments.
                """;
    }

    @Override
    public int run(List<String> args, PrintStream out, PrintStream err) throws UsageException {
        LogsOptions options = LogsOptions.parse(args);
        try (LogReader reader = LogReader.connect(options)) {
            return reader.print(out, err);
        } catch (LogReader.Refused e) {
            err.println("nixpool logs: " + e.getMessage());
            return 1;
        }
    }
}

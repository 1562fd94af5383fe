package dev.nixpool.cli.logs;

import java.nio.file.Path;
import java.util.List;

import dev.nixpool.cli.OptionValues;
import dev.nixpool.cli.UsageException;
import dev.nixpool.local.OperatorService;

/**
 * {@code nixpool logs NAME [-n NS] [--attempt N] [-f] [--kubeconfig FILE] [--context NAME] [--operator-namespace NS]
 * [--operator-service NAME[:PORT]]}.
 *
 * @param namespace null: the kubeconfig context's namespace, else "default"
 * @param attempt null: the latest attempt (and, following, the attempts after it)
 * @param kubeconfig null: KUBECONFIG, else ~/.kube/config
 * @param context null: the current context
 */
record LogsOptions(String name, String namespace, Integer attempt, boolean follow, Path kubeconfig, String context,
        String operatorNamespace, String operatorService) {

    static LogsOptions parse(List<String> args) throws UsageException {
        String name = null;
        String namespace = null;
        Integer attempt = null;
        boolean follow = false;
        Path kubeconfig = null;
        String context = null;
        String operatorNamespace = OperatorService.NAMESPACE;
        String operatorService = OperatorService.NAME + ":" + OperatorService.PORT_NAME;
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            switch (arg) {
                case "-n", "--namespace" -> namespace = OptionValues.value(args, ++i, arg);
                case "--attempt" -> attempt = positive(OptionValues.value(args, ++i, arg));
                case "-f", "--follow" -> follow = true;
                case "--kubeconfig" -> kubeconfig = Path.of(OptionValues.value(args, ++i, arg));
                case "--context" -> context = OptionValues.value(args, ++i, arg);
                case "--operator-namespace" -> operatorNamespace = OptionValues.value(args, ++i, arg);
                case "--operator-service" -> operatorService = OptionValues.value(args, ++i, arg);
                default -> {
                    if (arg.startsWith("-") || name != null) {
                        throw new UsageException("unexpected argument '" + arg + "'");
                    }
                    name = arg;
                }
            }
        }
        if (name == null) {
            throw new UsageException("which NixBuild? give its name");
        }
        return new LogsOptions(name, namespace, attempt, follow, kubeconfig, context, operatorNamespace,
                operatorService);
    }

    private static int positive(String value) throws UsageException {
        try {
            int n = Integer.parseInt(value);
            if (n >= 1) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new UsageException("--attempt needs a number from 1, got '" + value + "'");
    }
}

package dev.nixpool.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import dev.nixpool.cli.bench.BenchCommand;
import dev.nixpool.cli.local.LocalCommand;
import dev.nixpool.cli.logs.LogsCommand;
import dev.nixpool.cli.machines.MachinesCommand;
import dev.nixpool.cli.ping.PingCommand;

/**
 * Entry point of the {@code ./nixpool} launcher: a plain main, no Quarkus start. {@code nixpool [-v] COMMAND ARGS...}.
 */
public final class Main {

    public static final int EXIT_USAGE = 2;

    /** The commands, in the order the usage lists them. Adding one is one line here. */
    static final Map<String, Command> COMMANDS = registry(
            new PingCommand(),
            new LocalCommand(),
            new LogsCommand(),
            new MachinesCommand(),
            new BenchCommand());

    private Main() {
    }

    public static void main(String[] args) {
        List<String> all = List.of(args);
        CliLogging.configure(!all.isEmpty() && isVerboseFlag(all.get(0)));
        System.exit(run(all, System.out, System.err));
    }

    private static boolean isVerboseFlag(String arg) {
        return arg.equals("-v") || arg.equals("--verbose");
    }

    static int run(List<String> args, PrintStream out, PrintStream err) {
        List<String> rest = new ArrayList<>(args);
        while (!rest.isEmpty() && isVerboseFlag(rest.get(0))) {
            rest.remove(0);
        }
        if (rest.isEmpty() || rest.get(0).equals("--help") || rest.get(0).equals("-h") || rest.get(0).equals("help")) {
            (rest.isEmpty() ? err : out).print(usage());
            return rest.isEmpty() ? EXIT_USAGE : 0;
        }
        Command command = COMMANDS.get(rest.get(0));
        if (command == null) {
            err.println("nixpool: unknown command '" + rest.get(0) + "'");
            err.print(usage());
            return EXIT_USAGE;
        }
        List<String> commandArgs = rest.subList(1, rest.size());
        if (commandArgs.contains("--help") || commandArgs.contains("-h")) {
            out.print(command.usage());
            return 0;
        }
        try {
            return command.run(List.copyOf(commandArgs), out, err);
        } catch (UsageException e) {
            err.println("nixpool " + command.name() + ": " + e.getMessage());
            err.print(command.usage());
            return EXIT_USAGE;
        }
    }

    static String usage() {
        StringBuilder b = new StringBuilder("usage: nixpool [-v] COMMAND [ARGS...]\n\ncommands:\n");
        COMMANDS.values().forEach(c -> b.append(String.format("  %-10s %s%n", c.name(), c.summary())));
        b.append("\n'nixpool COMMAND --help' shows a command's options. -v logs the SSH library's debug output.\n");
        b.append("'./nixpool test' (handled by the launcher) runs the build with all tests: mvn -B verify.\n");
        return b.toString();
    }

    private static Map<String, Command> registry(Command... commands) {
        Map<String, Command> byName = new LinkedHashMap<>();
        Stream.of(commands).forEach(c -> {
            if (byName.putIfAbsent(c.name(), c) != null) {
                throw new IllegalStateException("two commands named " + c.name());
            }
        });
        return byName;
    }
}

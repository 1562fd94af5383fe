package dev.nixpool.cli;

import java.io.PrintStream;
import java.util.List;

/** One {@code nixpool} subcommand. Register it in {@link Main#COMMANDS}. */
public interface Command {

    /** The word after {@code nixpool}. */
    String name();

    /** One line for the command list. */
    String summary();

    /** Full usage text, including exit codes. */
    String usage();

    /**
     * Runs the command.
     *
     * @return the process exit code
     * @throws UsageException for bad arguments: Main prints the message and {@link #usage()} and exits 2
     */
    int run(List<String> args, PrintStream out, PrintStream err) throws UsageException;
}

package dev.nixpool.cli;

import java.util.logging.ConsoleHandler;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Logging of the CLI. MINA logs through slf4j, bound to JBoss LogManager (slf4j-jboss-logmanager, which Quarkus
 * brings); without Quarkus nobody configures it, and its default prints MINA's INFO chatter on the terminal. The CLI
 * therefore sets the levels itself: warnings only by default, MINA's debug output with {@code -v}.
 */
public final class CliLogging {

    private CliLogging() {
    }

    public static void configure(boolean verbose) {
        LogManager.getLogManager().reset();
        Logger root = Logger.getLogger("");
        root.setLevel(verbose ? Level.FINE : Level.WARNING);
        Handler handler = new ConsoleHandler();
        handler.setLevel(verbose ? Level.FINE : Level.WARNING);
        handler.setFormatter(new OneLineFormatter());
        root.addHandler(handler);
        Logger.getLogger("org.apache.sshd").setLevel(verbose ? Level.FINE : Level.SEVERE);
        // Fabric8 warns at the first use of each v1alpha1 kind; ours are v1alpha1 on purpose
        Logger.getLogger("io.fabric8.kubernetes.client.dsl.internal.VersionUsageUtils").setLevel(Level.SEVERE);
    }

    /** {@code LEVEL [logger] message}, one line per record (JUL's default takes two). */
    private static final class OneLineFormatter extends Formatter {
        @Override
        public String format(LogRecord r) {
            StringBuilder b = new StringBuilder().append(r.getLevel()).append(" [").append(r.getLoggerName())
                    .append("] ").append(formatMessage(r)).append(System.lineSeparator());
            if (r.getThrown() != null) {
                b.append("  ").append(r.getThrown()).append(System.lineSeparator());
            }
            return b.toString();
        }
    }
}

package dev.nixpool.cli;

import java.util.List;

/** Reading an option's value, shared by the commands' argument parsers. */
public final class OptionValues {

    private OptionValues() {
    }

    /** The argument at {@code i}, which must exist: the value of {@code option}. */
    public static String value(List<String> args, int i, String option) throws UsageException {
        if (i >= args.size()) {
            throw new UsageException("option " + option + " needs a value");
        }
        return args.get(i);
    }

    /**
     * A TCP port from {@code lowest} (0 means "any free port", 1 a real one) to 65535.
     */
    public static int port(String s, int lowest, String option) throws UsageException {
        try {
            int port = Integer.parseInt(s);
            if (port >= lowest && port <= 65535) {
                return port;
            }
        } catch (NumberFormatException e) {
            // reported below with the expected range
        }
        throw new UsageException("expected a port between " + (lowest == 0 ? "0 (any free port)" : lowest)
                + " and 65535 for " + option + ", got '" + s + "'");
    }
}

package dev.nixpool.nix.machines;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Parses and renders Nix's machines file / {@code builders} setting: entries separated by newlines or {@code ;},
 * {@code #} starts a comment, fields separated by whitespace, {@code -} for a default, {@code @file} includes another
 * file.
 */
public final class MachinesFile {

    public static final int MAX_INCLUDE_DEPTH = 8;
    public static final int MAX_TEXT = 1 << 20;

    private MachinesFile() {
    }

    /** Parses {@code text}; an {@code @file} include is an error, as there is nothing to resolve it with. */
    public static List<Machine> parse(String text) {
        return parse(text, file -> {
            throw new MachinesFormatException("cannot include '" + file + "' here: includes need a resolver");
        });
    }

    /** Parses {@code text}, reading {@code @file} includes through {@code includes} (file name to its text). */
    public static List<Machine> parse(String text, Function<String, String> includes) {
        List<Machine> machines = new ArrayList<>();
        parseInto(text, includes, 0, machines);
        return machines;
    }

    private static void parseInto(String text, Function<String, String> includes, int depth, List<Machine> out) {
        if (text.length() > MAX_TEXT) {
            throw new MachinesFormatException(
                    "expected a machines file of at most " + MAX_TEXT + " characters, got " + text.length());
        }
        int number = 0;
        for (String raw : text.split("[\n;]", -1)) {
            number++;
            int hash = raw.indexOf('#');
            String line = (hash >= 0 ? raw.substring(0, hash) : raw).strip();
            if (line.isEmpty()) {
                continue;
            }
            if (line.startsWith("@")) {
                if (depth >= MAX_INCLUDE_DEPTH) {
                    throw new MachinesFormatException("machines file includes nest deeper than " + MAX_INCLUDE_DEPTH);
                }
                parseInto(includes.apply(line.substring(1).strip()), includes, depth + 1, out);
                continue;
            }
            try {
                out.add(parseLine(line));
            } catch (MachinesFormatException e) {
                throw new MachinesFormatException("entry " + number + ": " + e.getMessage());
            }
        }
    }

    /** One entry, without comments or separators. */
    public static Machine parseLine(String line) {
        String[] f = line.strip().split("\\s+");
        if (f.length == 0 || f[0].isEmpty()) {
            throw new MachinesFormatException("expected a store URI as the first field, got an empty line");
        }
        if (f.length > 8) {
            throw new MachinesFormatException("expected at most 8 fields, got " + f.length + " in '"
                    + Machine.abbreviate(line) + "'");
        }
        if (!set(f, 0)) {
            throw new MachinesFormatException("expected a store URI as the first field, got '-'");
        }
        return new Machine(f[0], set(f, 1) ? list(f[1]) : List.of(), set(f, 2) ? f[2] : null,
                set(f, 3) ? (int) unsigned(f[3], "maxJobs (field 4)") : 1,
                set(f, 4) ? speed(f[4]) : 1,
                set(f, 5) ? new TreeSet<>(list(f[5])) : new TreeSet<>(),
                set(f, 6) ? new TreeSet<>(list(f[6])) : new TreeSet<>(),
                set(f, 7) ? f[7] : null);
    }

    /** Renders one entry with {@code -} for defaults, trailing defaults left out. */
    public static String render(Machine m) {
        List<String> f = new ArrayList<>(Arrays.asList(m.storeUri(),
                m.systems().isEmpty() ? "-" : String.join(",", m.systems()),
                m.sshKey() == null ? "-" : m.sshKey(),
                String.valueOf(m.maxJobs()),
                number(m.speedFactor()),
                m.supportedFeatures().isEmpty() ? "-" : String.join(",", m.supportedFeatures()),
                m.mandatoryFeatures().isEmpty() ? "-" : String.join(",", m.mandatoryFeatures()),
                m.publicHostKey() == null ? "-" : m.publicHostKey()));
        while (f.size() > 1 && (f.get(f.size() - 1).equals("-") || isDefaultNumber(f, f.size() - 1))) {
            f.remove(f.size() - 1);
        }
        return String.join(" ", f);
    }

    public static String render(List<Machine> machines) {
        StringBuilder b = new StringBuilder();
        for (Machine m : machines) {
            b.append(render(m)).append('\n');
        }
        return b.toString();
    }

    private static boolean isDefaultNumber(List<String> f, int i) {
        return (i == 3 || i == 4) && f.get(i).equals("1");
    }

    private static boolean set(String[] f, int i) {
        return f.length > i && !f[i].isEmpty() && !f[i].equals("-");
    }

    private static List<String> list(String field) {
        List<String> items = new ArrayList<>();
        for (String s : field.split(",")) {
            if (!s.isEmpty()) {
                items.add(s);
            }
        }
        return items.stream().distinct().toList();
    }

    private static long unsigned(String s, String what) {
        if (!s.matches("[0-9]{1,10}") || Long.parseLong(s) > 0xFFFFFFFFL) {
            throw new MachinesFormatException("expected an unsigned integer as " + what + ", got '"
                    + Machine.abbreviate(s) + "'");
        }
        long v = Long.parseLong(s);
        if (v > Integer.MAX_VALUE) {
            throw new MachinesFormatException("expected " + what + " of at most " + Integer.MAX_VALUE + ", got " + v);
        }
        return v;
    }

    private static double speed(String s) {
        if (!s.matches("[0-9]{1,10}(\\.[0-9]{1,10})?")) {
            throw new MachinesFormatException("expected a non-negative number as speedFactor (field 5), got '"
                    + Machine.abbreviate(s) + "'");
        }
        return Double.parseDouble(s);
    }

    private static String number(double d) {
        return d == Math.rint(d) ? String.valueOf((long) d) : String.format(Locale.ROOT, "%s", d);
    }
}

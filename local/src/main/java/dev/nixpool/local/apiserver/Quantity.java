package dev.nixpool.local.apiserver;

import java.math.BigDecimal;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Kubernetes resource quantity (resource.Quantity) as the CEL quantity library sees it: parsed with
 * resource.ParseQuantity's grammar (a signed decimal number, then a binary suffix Ki..Ei, a decimal suffix n..E or an
 * exponent), compared and added by exact value.
 */
record Quantity(BigDecimal value) implements Comparable<Quantity> {

    private static final Pattern GRAMMAR = Pattern
            .compile("([+-]?(?:[0-9]+(?:\\.[0-9]*)?|\\.[0-9]+))(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?[0-9]+)?");
    private static final Map<String, BigDecimal> SUFFIXES = Map.ofEntries(
            Map.entry("n", new BigDecimal("1e-9")), Map.entry("u", new BigDecimal("1e-6")),
            Map.entry("m", new BigDecimal("1e-3")), Map.entry("k", new BigDecimal("1e3")),
            Map.entry("M", new BigDecimal("1e6")), Map.entry("G", new BigDecimal("1e9")),
            Map.entry("T", new BigDecimal("1e12")), Map.entry("P", new BigDecimal("1e15")),
            Map.entry("E", new BigDecimal("1e18")), Map.entry("Ki", BigDecimal.valueOf(1L << 10)),
            Map.entry("Mi", BigDecimal.valueOf(1L << 20)), Map.entry("Gi", BigDecimal.valueOf(1L << 30)),
            Map.entry("Ti", BigDecimal.valueOf(1L << 40)), Map.entry("Pi", BigDecimal.valueOf(1L << 50)),
            Map.entry("Ei", BigDecimal.valueOf(1L << 60)));

    static Optional<Quantity> parse(String text) {
        Matcher m = GRAMMAR.matcher(text);
        if (!m.matches()) {
            return Optional.empty();
        }
        BigDecimal number = new BigDecimal(m.group(1).endsWith(".") ? m.group(1) + "0" : m.group(1));
        String suffix = m.group(2);
        if (suffix == null) {
            return Optional.of(new Quantity(number));
        }
        if (suffix.startsWith("e") || suffix.startsWith("E")) {
            int exponent = Integer.parseInt(suffix.substring(1));
            return Optional.of(new Quantity(number.scaleByPowerOfTen(exponent)));
        }
        return Optional.of(new Quantity(number.multiply(SUFFIXES.get(suffix))));
    }

    @Override
    public int compareTo(Quantity other) {
        return value.compareTo(other.value);
    }
}

package dev.nixpool.local.apiserver;

import java.net.InetAddress;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.regex.Pattern;

/**
 * The string formats the API server checks in custom resources (those of kube-openapi's strfmt registry that a CRD
 * may use); a format it does not know passes, as there.
 */
final class SchemaFormats {

    private static final Pattern UUID = Pattern
            .compile("(?i)^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$");
    private static final Pattern HOSTNAME = Pattern.compile(
            "^([a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)(\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*\\.?$");
    private static final Pattern IPV4 = Pattern
            .compile(
                    "^((25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])$");
    private static final Pattern EMAIL = Pattern.compile("^[^@\\s]+@[^@\\s]+$");
    private static final Pattern MAC = Pattern.compile("(?i)^([0-9a-f]{2}[:-]){5}[0-9a-f]{2}$");

    private SchemaFormats() {
    }

    static boolean valid(String format, String s) {
        return switch (format) {
            case "uuid", "uuid3", "uuid4", "uuid5" -> UUID.matcher(s).matches();
            case "hostname" -> s.length() <= 255 && HOSTNAME.matcher(s).matches();
            case "ipv4" -> IPV4.matcher(s).matches();
            case "ipv6" -> s.contains(":") && isAddress(s);
            case "cidr" -> cidr(s);
            case "mac" -> MAC.matcher(s).matches();
            case "email" -> EMAIL.matcher(s).matches();
            case "date" -> parses(() -> LocalDate.parse(s));
            case "date-time", "datetime" -> parses(() -> OffsetDateTime.parse(s));
            case "byte" -> parses(() -> Base64.getDecoder().decode(s));
            default -> true;
        };
    }

    private static boolean cidr(String s) {
        int slash = s.indexOf('/');
        if (slash < 0 || !s.substring(slash + 1).matches("[0-9]{1,3}")) {
            return false;
        }
        String address = s.substring(0, slash);
        int bits = Integer.parseInt(s.substring(slash + 1));
        return IPV4.matcher(address).matches()
                ? bits <= 32
                : address.contains(":") && isAddress(address) && bits <= 128;
    }

    private static boolean isAddress(String literal) {
        if (!literal.matches("[0-9A-Fa-f:.]+")) {
            return false;
        }
        try {
            // only literals get here, so no name is looked up
            InetAddress.getByName(literal);
            return true;
        } catch (java.net.UnknownHostException e) {
            return false;
        }
    }

    private static boolean parses(Runnable parse) {
        try {
            parse.run();
            return true;
        } catch (DateTimeParseException | IllegalArgumentException e) {
            return false;
        }
    }
}

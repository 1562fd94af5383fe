package dev.nixpool.local.apiserver;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Values printed as the API server's Go code prints them in validation messages: field.Error's ErrorBody ({@code %q}
 * for strings, {@code %v} for numbers and booleans, {@code %#v} for maps and slices, "null" for nil) and the
 * {@code %v} of a schema's float64 bounds.
 */
final class GoValues {

    private GoValues() {
    }

    /** ErrorBody's rendering of a decoded JSON value. */
    static String of(JsonNode value) {
        if (value == null || value.isNull() || value.isMissingNode()) {
            return quote("null");
        }
        if (value.isTextual()) {
            return quote(value.asText());
        }
        if (value.isContainerNode()) {
            return goSyntax(value);
        }
        return scalar(value);
    }

    /** {@code %v} of an int64 or float64 as the decoder produced it. */
    static String scalar(JsonNode value) {
        if (value.isIntegralNumber()) {
            return value.bigIntegerValue().toString();
        }
        if (value.isNumber()) {
            return number(value.doubleValue());
        }
        return value.asText();
    }

    /** {@code %v} of a float64: the shortest representation, with an exponent below 1e-4 and from 1e21 on. */
    static String number(double d) {
        if (Double.isNaN(d)) {
            return "NaN";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "+Inf" : "-Inf";
        }
        if (d == 0) {
            return (1 / d < 0) ? "-0" : "0";
        }
        BigDecimal exact = new BigDecimal(Double.toString(d)).stripTrailingZeros();
        int exponent = exact.precision() - exact.scale() - 1;
        if (exponent < -4 || exponent >= 21) {
            String digits = exact.unscaledValue().abs().toString();
            String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
            String sign = exponent < 0 ? "-" : "+";
            int abs = Math.abs(exponent);
            return (d < 0 ? "-" : "") + mantissa + "e" + sign + (abs < 10 ? "0" + abs : Integer.toString(abs));
        }
        return exact.toPlainString();
    }

    /** strconv.Quote. */
    static String quote(String s) {
        StringBuilder out = new StringBuilder(s.length() + 2).append('"');
        s.codePoints().forEach(c -> {
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\t' -> out.append("\\t");
                case '\r' -> out.append("\\r");
                case 7 -> out.append("\\a");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                case 11 -> out.append("\\v");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        out.append(String.format("\\x%02x", c));
                    } else if (!printable(c)) {
                        out.append(c > 0xffff ? String.format("\\U%08x", c) : String.format("\\u%04x", c));
                    } else {
                        out.appendCodePoint(c);
                    }
                }
            }
        });
        return out.append('"').toString();
    }

    private static boolean printable(int c) {
        int type = Character.getType(c);
        return type != Character.CONTROL && type != Character.FORMAT && type != Character.UNASSIGNED
                && type != Character.SURROGATE && type != Character.PRIVATE_USE && type != Character.LINE_SEPARATOR
                && type != Character.PARAGRAPH_SEPARATOR && (type != Character.SPACE_SEPARATOR || c == ' ');
    }

    /** {@code %#v} of the decoder's map[string]interface{} and []interface{} (keys sorted, as fmt prints maps). */
    private static String goSyntax(JsonNode value) {
        if (value.isObject()) {
            List<Map.Entry<String, JsonNode>> fields = new ArrayList<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext();) {
                fields.add(it.next());
            }
            fields.sort(Map.Entry.comparingByKey());
            List<String> parts = fields.stream().map(e -> quote(e.getKey()) + ":" + element(e.getValue())).toList();
            return "map[string]interface {}{" + String.join(", ", parts) + "}";
        }
        List<String> parts = new ArrayList<>();
        value.forEach(v -> parts.add(element(v)));
        return "[]interface {}{" + String.join(", ", parts) + "}";
    }

    private static String element(JsonNode value) {
        if (value.isNull()) {
            return "interface {}(nil)";
        }
        if (value.isTextual()) {
            return quote(value.asText());
        }
        if (value.isContainerNode()) {
            return goSyntax(value);
        }
        return scalar(value);
    }
}

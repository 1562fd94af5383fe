package dev.nixpool.local.apiserver;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;

/**
 * The part of Kubernetes JSONPath that printer columns use: a chain of {@code .field}, {@code ['field']} and
 * {@code [index]} steps, optionally wrapped in braces ({@code {.status.phase}}).
 */
final class JsonPathSubset {

    private sealed interface Step permits Field, Index {
    }

    private record Field(String name) implements Step {
    }

    private record Index(int index) implements Step {
    }

    private final String expression;
    private final List<Step> steps;

    private JsonPathSubset(String expression, List<Step> steps) {
        this.expression = expression;
        this.steps = steps;
    }

    static JsonPathSubset compile(String expression) {
        String e = expression.trim();
        if (e.startsWith("{") && e.endsWith("}")) {
            e = e.substring(1, e.length() - 1).trim();
        }
        if (!e.startsWith(".") && !e.startsWith("[")) {
            throw unsupported(expression, "it must start with '.' or '['");
        }
        List<Step> steps = new ArrayList<>();
        int i = 0;
        while (i < e.length()) {
            char c = e.charAt(i);
            if (c == '.') {
                int end = i + 1;
                while (end < e.length() && e.charAt(end) != '.' && e.charAt(end) != '[') {
                    end++;
                }
                String name = e.substring(i + 1, end);
                if (name.isEmpty()) {
                    throw unsupported(expression, "empty field name at offset " + i);
                }
                steps.add(new Field(name));
                i = end;
            } else if (c == '[') {
                int close = e.indexOf(']', i);
                if (close < 0) {
                    throw unsupported(expression, "'[' at offset " + i + " is not closed");
                }
                String inner = e.substring(i + 1, close).trim();
                if (inner.length() >= 2 && (inner.startsWith("'") && inner.endsWith("'")
                        || inner.startsWith("\"") && inner.endsWith("\""))) {
                    steps.add(new Field(inner.substring(1, inner.length() - 1)));
                } else if (inner.matches("\\d+")) {
                    steps.add(new Index(Integer.parseInt(inner)));
                } else {
                    throw unsupported(expression, "only [N] and ['name'] are supported, got [" + inner + "]");
                }
                i = close + 1;
            } else {
                throw unsupported(expression, "unexpected '" + c + "' at offset " + i);
            }
        }
        return new JsonPathSubset(expression, List.copyOf(steps));
    }

    private static IllegalArgumentException unsupported(String expression, String why) {
        return new IllegalArgumentException("unsupported JSONPath '" + expression + "': " + why);
    }

    /** The value at the path, or a missing node when any step does not exist. */
    JsonNode evaluate(JsonNode root) {
        JsonNode node = root;
        for (Step step : steps) {
            if (node == null || node.isMissingNode() || node.isNull()) {
                return MissingNode.getInstance();
            }
            node = step instanceof Field f ? node.path(f.name()) : node.path(((Index) step).index());
        }
        return node == null ? MissingNode.getInstance() : node;
    }

    @Override
    public String toString() {
        return expression;
    }
}

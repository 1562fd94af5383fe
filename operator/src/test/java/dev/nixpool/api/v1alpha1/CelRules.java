package dev.nixpool.api.v1alpha1;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import com.fasterxml.jackson.databind.JsonNode;

import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelFunctionDecl;
import dev.cel.common.CelOverloadDecl;
import dev.cel.common.CelValidationException;
import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelFunctionBinding;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;

/**
 * Evaluates a CRD's {@code x-kubernetes-validations} rules with Google's CEL for Java, with {@code self} bound to the
 * value at the rule's place, as the API server does. Kubernetes adds its own CEL libraries (lists, regex, quantity...);
 * our rules use standard CEL and the quantity library's isQuantity, so a rule that does not compile here is reported as
 * such, not skipped.
 */
final class CelRules {

    private static final CelCompiler COMPILER = CelCompilerFactory.standardCelCompilerBuilder()
            .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
            .addVar("self", SimpleType.DYN)
            .addVar("oldSelf", SimpleType.DYN)
            .addFunctionDeclarations(CelFunctionDecl.newFunctionDeclaration("isQuantity",
                    CelOverloadDecl.newGlobalOverload("is_quantity_string", SimpleType.BOOL, SimpleType.STRING)))
            .build();
    /** resource.ParseQuantity's grammar: a signed decimal, then a binary or decimal suffix or an exponent. */
    private static final java.util.regex.Pattern QUANTITY = java.util.regex.Pattern
            .compile("[+-]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?[0-9]+)?");
    private static final CelRuntime RUNTIME = CelRuntimeFactory.standardCelRuntimeBuilder()
            .addFunctionBindings(CelFunctionBinding.from("is_quantity_string", String.class,
                    s -> QUANTITY.matcher(s).matches()))
            .build();
    private static final Map<String, CelRuntime.Program> PROGRAMS = new ConcurrentHashMap<>();

    private CelRules() {
    }

    /** Whether {@code rule} holds for {@code self}; throws with the rule text when it does not compile or evaluate. */
    static boolean holds(String rule, JsonNode self) {
        Object result;
        try {
            result = program(rule).eval(Map.of("self", toCel(self)));
        } catch (CelEvaluationException e) {
            throw new IllegalStateException("CEL rule '" + rule + "' failed to evaluate: " + e.getMessage(), e);
        }
        if (!(result instanceof Boolean b)) {
            throw new IllegalStateException("CEL rule '" + rule + "' returned " + result + ", expected a bool");
        }
        return b;
    }

    /** A transition rule ({@code oldSelf} in it) on an update from {@code oldSelf} to {@code self}. */
    static boolean holds(String rule, JsonNode self, JsonNode oldSelf) {
        Object result;
        try {
            result = program(rule).eval(Map.of("self", toCel(self), "oldSelf", toCel(oldSelf)));
        } catch (CelEvaluationException e) {
            throw new IllegalStateException("CEL rule '" + rule + "' failed to evaluate: " + e.getMessage(), e);
        }
        if (!(result instanceof Boolean b)) {
            throw new IllegalStateException("CEL rule '" + rule + "' returned " + result + ", expected a bool");
        }
        return b;
    }

    /** Whether the API server treats the rule as a transition rule: evaluated on updates only, never on creates. */
    static boolean isTransitionRule(String rule) {
        return rule.matches("(?s).*\\boldSelf\\b.*");
    }

    private static CelRuntime.Program program(String rule) {
        return PROGRAMS.computeIfAbsent(rule, r -> {
            try {
                CelAbstractSyntaxTree ast = COMPILER.compile(r).getAst();
                return RUNTIME.createProgram(ast);
            } catch (CelValidationException | CelEvaluationException e) {
                throw new IllegalStateException("CEL rule '" + r + "' does not compile: " + e.getMessage(), e);
            }
        });
    }

    /** JSON as CEL sees it: objects as maps (so has() tests presence), integers as int, numbers as double. */
    private static Object toCel(JsonNode node) {
        if (node.isObject()) {
            Map<String, Object> map = new LinkedHashMap<>();
            node.fields().forEachRemaining(e -> map.put(e.getKey(), toCel(e.getValue())));
            return map;
        }
        if (node.isArray()) {
            List<Object> list = new ArrayList<>();
            node.forEach(n -> list.add(toCel(n)));
            return list;
        }
        if (node.isIntegralNumber()) {
            return node.asLong();
        }
        if (node.isNumber()) {
            return node.asDouble();
        }
        if (node.isBoolean()) {
            return node.asBoolean();
        }
        if (node.isNull()) {
            return com.google.protobuf.NullValue.NULL_VALUE;
        }
        return node.asText();
    }
}

package dev.nixpool.local.apiserver;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import dev.cel.common.CelOptions;
import dev.cel.common.CelValidationException;
import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.extensions.CelExtensions;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;

/**
 * Compiles validation rules and message expressions once each, in an environment close to the API server's: standard
 * CEL with its macros, heterogeneous numeric comparisons, the string, set and optional extensions, and
 * {@link KubernetesCelLibrary}; {@code self} and {@code oldSelf} are dynamically typed.
 */
final class CelPrograms {

    private static final CelOptions OPTIONS = CelOptions.current().enableHeterogeneousNumericComparisons(true)
            .enableOptionalSyntax(true).build();
    private static final CelCompiler COMPILER = CelCompilerFactory.standardCelCompilerBuilder()
            .setOptions(OPTIONS)
            .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
            .addLibraries(CelExtensions.strings(), CelExtensions.sets(OPTIONS), CelExtensions.optional())
            .addFunctionDeclarations(KubernetesCelLibrary.declarations())
            .addVar("self", SimpleType.DYN)
            .addVar("oldSelf", SimpleType.DYN)
            .build();
    private static final CelRuntime RUNTIME = CelRuntimeFactory.standardCelRuntimeBuilder()
            .setOptions(OPTIONS)
            .addLibraries(CelExtensions.strings(), CelExtensions.sets(OPTIONS), CelExtensions.optional())
            .addFunctionBindings(KubernetesCelLibrary.bindings())
            .build();

    /** A compiled expression, or why it did not compile. */
    record Compiled(CelRuntime.Program program, String error) {
    }

    private final Map<String, Compiled> cache = new ConcurrentHashMap<>();

    Compiled compile(String expression) {
        return cache.computeIfAbsent(expression, e -> {
            try {
                return new Compiled(RUNTIME.createProgram(COMPILER.compile(e).getAst()), null);
            } catch (CelValidationException | CelEvaluationException ex) {
                return new Compiled(null, ex.getMessage());
            }
        });
    }

    /** Evaluates with {@code self} and, when given, {@code oldSelf} bound. */
    static Object eval(CelRuntime.Program program, Object self, Optional<Object> oldSelf)
            throws CelEvaluationException {
        return program.eval(name -> switch (name) {
            case "self" -> Optional.of(self);
            case "oldSelf" -> oldSelf;
            default -> Optional.empty();
        });
    }
}

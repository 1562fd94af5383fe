package dev.nixpool.local.apiserver;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import com.google.re2j.Matcher;
import com.google.re2j.Pattern;

import dev.cel.common.CelFunctionDecl;
import dev.cel.common.CelOverloadDecl;
import dev.cel.common.types.CelType;
import dev.cel.common.types.ListType;
import dev.cel.common.types.OpaqueType;
import dev.cel.common.types.SimpleType;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelFunctionBinding;

/**
 * The functions Kubernetes adds to CEL for validation rules that standard CEL (and cel-java's string and set
 * extensions) lacks: the quantity library ({@code isQuantity}, {@code quantity} and its methods), the regex library
 * ({@code find}, {@code findAll}) and the list library ({@code isSorted}, {@code sum}, {@code min}, {@code max},
 * {@code indexOf}, {@code lastIndexOf}).
 */
final class KubernetesCelLibrary {

    static final OpaqueType QUANTITY = OpaqueType.create("kubernetes.Quantity");
    private static final CelType LIST = ListType.create(SimpleType.DYN);

    private KubernetesCelLibrary() {
    }

    static List<CelFunctionDecl> declarations() {
        return List.of(
                global("isQuantity", "is_quantity_string", SimpleType.BOOL, SimpleType.STRING),
                global("quantity", "quantity_string", QUANTITY, SimpleType.STRING),
                member("sign", "quantity_sign", SimpleType.INT, QUANTITY),
                member("isInteger", "quantity_is_integer", SimpleType.BOOL, QUANTITY),
                member("asInteger", "quantity_as_integer", SimpleType.INT, QUANTITY),
                member("asApproximateFloat", "quantity_as_float", SimpleType.DOUBLE, QUANTITY),
                CelFunctionDecl.newFunctionDeclaration("add",
                        CelOverloadDecl.newMemberOverload("quantity_add", QUANTITY, QUANTITY, QUANTITY),
                        CelOverloadDecl.newMemberOverload("quantity_add_int", QUANTITY, QUANTITY, SimpleType.INT)),
                CelFunctionDecl.newFunctionDeclaration("sub",
                        CelOverloadDecl.newMemberOverload("quantity_sub", QUANTITY, QUANTITY, QUANTITY),
                        CelOverloadDecl.newMemberOverload("quantity_sub_int", QUANTITY, QUANTITY, SimpleType.INT)),
                member("isLessThan", "quantity_less", SimpleType.BOOL, QUANTITY, QUANTITY),
                member("isGreaterThan", "quantity_greater", SimpleType.BOOL, QUANTITY, QUANTITY),
                member("compareTo", "quantity_compare", SimpleType.INT, QUANTITY, QUANTITY),
                member("find", "string_find", SimpleType.STRING, SimpleType.STRING, SimpleType.STRING),
                CelFunctionDecl.newFunctionDeclaration("findAll",
                        CelOverloadDecl.newMemberOverload("string_find_all", ListType.create(SimpleType.STRING),
                                SimpleType.STRING, SimpleType.STRING),
                        CelOverloadDecl.newMemberOverload("string_find_all_n", ListType.create(SimpleType.STRING),
                                SimpleType.STRING, SimpleType.STRING, SimpleType.INT)),
                member("isSorted", "list_is_sorted", SimpleType.BOOL, LIST),
                member("sum", "list_sum", SimpleType.DYN, LIST),
                member("min", "list_min", SimpleType.DYN, LIST),
                member("max", "list_max", SimpleType.DYN, LIST),
                member("indexOf", "list_index_of", SimpleType.INT, LIST, SimpleType.DYN),
                member("lastIndexOf", "list_last_index_of", SimpleType.INT, LIST, SimpleType.DYN));
    }

    @SuppressWarnings("unchecked")
    static List<CelFunctionBinding> bindings() {
        return List.of(
                CelFunctionBinding.from("is_quantity_string", String.class, s -> Quantity.parse(s).isPresent()),
                CelFunctionBinding.from("quantity_string", String.class, KubernetesCelLibrary::quantity),
                CelFunctionBinding.from("quantity_sign", Quantity.class, q -> (long) q.value().signum()),
                CelFunctionBinding.from("quantity_is_integer", Quantity.class, KubernetesCelLibrary::isInteger),
                CelFunctionBinding.from("quantity_as_integer", Quantity.class, KubernetesCelLibrary::asInteger),
                CelFunctionBinding.from("quantity_as_float", Quantity.class, q -> q.value().doubleValue()),
                CelFunctionBinding.from("quantity_add", Quantity.class, Quantity.class,
                        (a, b) -> new Quantity(a.value().add(b.value()))),
                CelFunctionBinding.from("quantity_add_int", Quantity.class, Long.class,
                        (a, b) -> new Quantity(a.value().add(java.math.BigDecimal.valueOf(b)))),
                CelFunctionBinding.from("quantity_sub", Quantity.class, Quantity.class,
                        (a, b) -> new Quantity(a.value().subtract(b.value()))),
                CelFunctionBinding.from("quantity_sub_int", Quantity.class, Long.class,
                        (a, b) -> new Quantity(a.value().subtract(java.math.BigDecimal.valueOf(b)))),
                CelFunctionBinding.from("quantity_less", Quantity.class, Quantity.class, (a, b) -> a.compareTo(b) < 0),
                CelFunctionBinding.from("quantity_greater", Quantity.class, Quantity.class,
                        (a, b) -> a.compareTo(b) > 0),
                CelFunctionBinding.from("quantity_compare", Quantity.class, Quantity.class,
                        (a, b) -> (long) Integer.signum(a.compareTo(b))),
                CelFunctionBinding.from("string_find", String.class, String.class, KubernetesCelLibrary::find),
                CelFunctionBinding.from("string_find_all", String.class, String.class,
                        (s, re) -> findAll(s, re, -1)),
                CelFunctionBinding.from("string_find_all_n", List.of(String.class, String.class, Long.class),
                        args -> findAll((String) args[0], (String) args[1], (Long) args[2])),
                CelFunctionBinding.from("list_is_sorted", List.class, l -> isSorted((List<Object>) l)),
                CelFunctionBinding.from("list_sum", List.class, l -> sum((List<Object>) l)),
                CelFunctionBinding.from("list_min", List.class, l -> extreme((List<Object>) l, -1)),
                CelFunctionBinding.from("list_max", List.class, l -> extreme((List<Object>) l, 1)),
                CelFunctionBinding.from("list_index_of", List.class, Object.class,
                        (l, x) -> (long) indexOf((List<Object>) l, x)),
                CelFunctionBinding.from("list_last_index_of", List.class, Object.class,
                        (l, x) -> (long) lastIndexOf((List<Object>) l, x)));
    }

    private static CelFunctionDecl global(String name, String overload, CelType result, CelType... args) {
        return CelFunctionDecl.newFunctionDeclaration(name, CelOverloadDecl.newGlobalOverload(overload, result, args));
    }

    private static CelFunctionDecl member(String name, String overload, CelType result, CelType... args) {
        return CelFunctionDecl.newFunctionDeclaration(name, CelOverloadDecl.newMemberOverload(overload, result, args));
    }

    private static Quantity quantity(String text) throws CelEvaluationException {
        return Quantity.parse(text).orElseThrow(() -> new CelEvaluationException("quantities must match the regular"
                + " expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"));
    }

    private static boolean isInteger(Quantity q) {
        try {
            q.value().toBigIntegerExact().longValueExact();
            return true;
        } catch (ArithmeticException e) {
            return false;
        }
    }

    private static long asInteger(Quantity q) throws CelEvaluationException {
        try {
            return q.value().toBigIntegerExact().longValueExact();
        } catch (ArithmeticException e) {
            throw new CelEvaluationException("cannot convert value to integer");
        }
    }

    private static String find(String s, String regex) {
        Matcher m = Pattern.compile(regex).matcher(s);
        return m.find() ? m.group() : "";
    }

    private static List<String> findAll(String s, String regex, long limit) {
        Matcher m = Pattern.compile(regex).matcher(s);
        List<String> found = new ArrayList<>();
        while ((limit < 0 || found.size() < limit) && m.find()) {
            found.add(m.group());
        }
        return found;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static int compare(Object a, Object b) throws CelEvaluationException {
        if (a instanceof Number x && b instanceof Number y && !(a.getClass().equals(b.getClass()))) {
            return Double.compare(x.doubleValue(), y.doubleValue());
        }
        if (a instanceof Comparable c && a.getClass().equals(b.getClass())) {
            return c.compareTo(b);
        }
        throw new CelEvaluationException("no such overload: " + a.getClass().getSimpleName() + " compared with "
                + b.getClass().getSimpleName());
    }

    private static boolean isSorted(List<Object> list) throws CelEvaluationException {
        for (int i = 1; i < list.size(); i++) {
            if (compare(list.get(i - 1), list.get(i)) > 0) {
                return false;
            }
        }
        return true;
    }

    private static Object sum(List<Object> list) throws CelEvaluationException {
        if (list.isEmpty()) {
            return 0L;
        }
        if (list.stream().allMatch(Long.class::isInstance)) {
            long total = 0;
            for (Object o : list) {
                total = Math.addExact(total, (Long) o);
            }
            return total;
        }
        if (list.stream().allMatch(Double.class::isInstance)) {
            return list.stream().mapToDouble(o -> (Double) o).sum();
        }
        throw new CelEvaluationException("sum() needs a list of int or of double");
    }

    private static Object extreme(List<Object> list, int sign) throws CelEvaluationException {
        if (list.isEmpty()) {
            throw new CelEvaluationException((sign < 0 ? "min" : "max") + "(list) argument must not be empty");
        }
        Object best = list.get(0);
        for (Object o : list) {
            if (compare(o, best) * sign > 0) {
                best = o;
            }
        }
        return best;
    }

    private static int indexOf(List<Object> list, Object x) {
        for (int i = 0; i < list.size(); i++) {
            if (Objects.equals(list.get(i), x)) {
                return i;
            }
        }
        return -1;
    }

    private static int lastIndexOf(List<Object> list, Object x) {
        for (int i = list.size() - 1; i >= 0; i--) {
            if (Objects.equals(list.get(i), x)) {
                return i;
            }
        }
        return -1;
    }
}

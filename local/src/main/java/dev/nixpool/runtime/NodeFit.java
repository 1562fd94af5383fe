package dev.nixpool.runtime;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.fabric8.kubernetes.api.model.NodeSelector;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirement;
import io.fabric8.kubernetes.api.model.NodeSelectorTerm;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.Toleration;

/**
 * Whether a pod fits the {@link LocalNode}, decided as kube-scheduler's default filter plugins decide it, in their order:
 * TaintToleration ({@code NoSchedule}/{@code NoExecute} taints the pod does not tolerate), then NodeAffinity
 * ({@code nodeSelector} and {@code requiredDuringSchedulingIgnoredDuringExecution}). The reasons are the plugins' own
 * words (Kubernetes 1.33, pkg/scheduler/framework/plugins/tainttoleration and nodeaffinity). Preferred affinity and
 * {@code PreferNoSchedule} only score nodes, and with one node there is nothing to score.
 */
final class NodeFit {

    static final String AFFINITY_MISMATCH = "node(s) didn't match Pod's node affinity/selector";
    private static final String METADATA_NAME = "metadata.name";
    private static final int NOT_COMPARABLE = Integer.MIN_VALUE;

    private NodeFit() {
    }

    /** @return the filter's reason when the pod does not fit the node, empty when it does */
    static Optional<String> rejection(PodSpec pod, LocalNode node) {
        for (Taint taint : node.taints()) {
            if (("NoSchedule".equals(taint.getEffect()) || "NoExecute".equals(taint.getEffect()))
                    && !tolerated(taint, pod.getTolerations())) {
                return Optional.of("node(s) had untolerated taint {" + taint.getKey() + ": "
                        + nullToEmpty(taint.getValue()) + "}");
            }
        }
        return matchesAffinity(pod, node) ? Optional.empty() : Optional.of(AFFINITY_MISMATCH);
    }

    /** Toleration.ToleratesTaint of k8s.io/api/core/v1: empty effect or key match any, empty operator is Equal. */
    static boolean tolerated(Taint taint, List<Toleration> tolerations) {
        for (Toleration toleration : tolerations == null ? List.<Toleration>of() : tolerations) {
            if (!isEmpty(toleration.getEffect()) && !toleration.getEffect().equals(taint.getEffect())) {
                continue;
            }
            if (!isEmpty(toleration.getKey()) && !toleration.getKey().equals(taint.getKey())) {
                continue;
            }
            String operator = nullToEmpty(toleration.getOperator());
            if (operator.equals("Exists")
                    || ((operator.isEmpty() || operator.equals("Equal"))
                            && nullToEmpty(toleration.getValue()).equals(nullToEmpty(taint.getValue())))) {
                return true;
            }
        }
        return false;
    }

    /** nodeSelector (every pair) and then the required node affinity (any term), as RequiredNodeAffinity.Match. */
    static boolean matchesAffinity(PodSpec pod, LocalNode node) {
        Map<String, String> selector = pod.getNodeSelector();
        if (selector != null) {
            for (var wanted : selector.entrySet()) {
                if (!wanted.getValue().equals(node.labels().get(wanted.getKey()))) {
                    return false;
                }
            }
        }
        NodeSelector required = pod.getAffinity() == null || pod.getAffinity().getNodeAffinity() == null
                ? null
                : pod.getAffinity().getNodeAffinity().getRequiredDuringSchedulingIgnoredDuringExecution();
        if (required == null) {
            return true;
        }
        List<NodeSelectorTerm> terms = required.getNodeSelectorTerms() == null
                ? List.of()
                : required.getNodeSelectorTerms();
        return terms.stream().anyMatch(term -> matchesTerm(term, node));
    }

    /** An empty term matches no node; within a term every requirement must hold. */
    private static boolean matchesTerm(NodeSelectorTerm term, LocalNode node) {
        List<NodeSelectorRequirement> expressions = orEmpty(term.getMatchExpressions());
        List<NodeSelectorRequirement> fields = orEmpty(term.getMatchFields());
        if (expressions.isEmpty() && fields.isEmpty()) {
            return false;
        }
        return expressions.stream().allMatch(expression -> matchesLabel(expression, node.labels()))
                && fields.stream().allMatch(field -> matchesField(field, node));
    }

    private static boolean matchesLabel(NodeSelectorRequirement requirement, Map<String, String> labels) {
        String actual = labels.get(requirement.getKey());
        List<String> values = orEmpty(requirement.getValues());
        return switch (nullToEmpty(requirement.getOperator())) {
            case "In" -> !values.isEmpty() && actual != null && values.contains(actual);
            case "NotIn" -> !values.isEmpty() && (actual == null || !values.contains(actual));
            case "Exists" -> values.isEmpty() && actual != null;
            case "DoesNotExist" -> values.isEmpty() && actual == null;
            case "Gt" -> compares(actual, values) > 0;
            case "Lt" -> compares(actual, values) < 0 && compares(actual, values) != NOT_COMPARABLE;
            default -> false;
        };
    }

    /** Gt/Lt: exactly one value, both sides whole numbers (int64); anything else never matches. */
    private static int compares(String actual, List<String> values) {
        if (actual == null || values.size() != 1) {
            return NOT_COMPARABLE;
        }
        try {
            return Long.compare(Long.parseLong(actual), Long.parseLong(values.get(0)));
        } catch (NumberFormatException e) {
            return NOT_COMPARABLE;
        }
    }

    /** Only metadata.name with In or NotIn is a valid field requirement. */
    private static boolean matchesField(NodeSelectorRequirement requirement, LocalNode node) {
        if (!METADATA_NAME.equals(requirement.getKey())) {
            return false;
        }
        List<String> values = orEmpty(requirement.getValues());
        return switch (nullToEmpty(requirement.getOperator())) {
            case "In" -> values.contains(node.name());
            case "NotIn" -> !values.isEmpty() && !values.contains(node.name());
            default -> false;
        };
    }

    private static <T> List<T> orEmpty(List<T> list) {
        return list == null ? List.of() : list;
    }

    private static boolean isEmpty(String text) {
        return text == null || text.isEmpty();
    }

    private static String nullToEmpty(String text) {
        return text == null ? "" : text;
    }
}

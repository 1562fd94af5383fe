package dev.nixpool.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import io.fabric8.kubernetes.api.model.NodeSelectorRequirement;
import io.fabric8.kubernetes.api.model.NodeSelectorTerm;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.Toleration;

class NodeFitTest {

    private static final String AFFINITY = NodeFit.AFFINITY_MISMATCH;
    private static final LocalNode NODE = new LocalNode("vm",
            Map.of("kubernetes.io/os", "linux", "kubernetes.io/arch", "amd64", "kubernetes.io/hostname", "vm",
                    "nixpool.dev/big-parallel", "true", "cores", "2"),
            List.of());

    static Stream<Arguments> selectorsAndAffinity() {
        return Stream.of(
                Arguments.of("no constraints", pod(Map.of()), null),
                Arguments.of("selector matches", pod(Map.of("kubernetes.io/arch", "amd64")), null),
                Arguments.of("selector, all pairs match",
                        pod(Map.of("kubernetes.io/arch", "amd64", "nixpool.dev/big-parallel", "true")), null),
                Arguments.of("selector value differs", pod(Map.of("kubernetes.io/arch", "arm64")), AFFINITY),
                Arguments.of("selector label missing (no kvm here)", pod(Map.of("nixpool.dev/kvm", "true")), AFFINITY),
                Arguments.of("In matches", affinity(term(expr("kubernetes.io/arch", "In", "arm64", "amd64"))), null),
                Arguments.of("In misses", affinity(term(expr("kubernetes.io/arch", "In", "arm64"))), AFFINITY),
                Arguments.of("In on a missing label", affinity(term(expr("gpu", "In", "true"))), AFFINITY),
                Arguments.of("In without values is invalid", affinity(term(expr("kubernetes.io/arch", "In"))),
                        AFFINITY),
                Arguments.of("NotIn on another value", affinity(term(expr("kubernetes.io/arch", "NotIn", "arm64"))),
                        null),
                Arguments.of("NotIn on a missing label", affinity(term(expr("gpu", "NotIn", "true"))), null),
                Arguments.of("NotIn on the value", affinity(term(expr("kubernetes.io/arch", "NotIn", "amd64"))),
                        AFFINITY),
                Arguments.of("Exists", affinity(term(expr("nixpool.dev/big-parallel", "Exists"))), null),
                Arguments.of("Exists on a missing label", affinity(term(expr("nixpool.dev/kvm", "Exists"))),
                        AFFINITY),
                Arguments.of("Exists with values is invalid",
                        affinity(term(expr("nixpool.dev/big-parallel", "Exists", "true"))), AFFINITY),
                Arguments.of("DoesNotExist", affinity(term(expr("nixpool.dev/kvm", "DoesNotExist"))), null),
                Arguments.of("DoesNotExist on a present label",
                        affinity(term(expr("kubernetes.io/os", "DoesNotExist"))), AFFINITY),
                Arguments.of("Gt true", affinity(term(expr("cores", "Gt", "1"))), null),
                Arguments.of("Gt equal is false", affinity(term(expr("cores", "Gt", "2"))), AFFINITY),
                Arguments.of("Lt true", affinity(term(expr("cores", "Lt", "3"))), null),
                Arguments.of("Lt false", affinity(term(expr("cores", "Lt", "2"))), AFFINITY),
                Arguments.of("Lt on a non-number label", affinity(term(expr("kubernetes.io/os", "Lt", "3"))),
                        AFFINITY),
                Arguments.of("Gt with two values is invalid", affinity(term(expr("cores", "Gt", "1", "0"))),
                        AFFINITY),
                Arguments.of("Gt on a missing label", affinity(term(expr("memory", "Gt", "1"))), AFFINITY),
                Arguments.of("expressions of a term are ANDed",
                        affinity(term(expr("kubernetes.io/os", "In", "linux"), expr("nixpool.dev/kvm", "Exists"))),
                        AFFINITY),
                Arguments.of("terms are ORed",
                        affinity(term(expr("nixpool.dev/kvm", "Exists")), term(expr("kubernetes.io/os", "Exists"))),
                        null),
                Arguments.of("an empty term matches nothing", affinity(new NodeSelectorTerm()), AFFINITY),
                Arguments.of("no terms match nothing", affinity(), AFFINITY),
                Arguments.of("matchFields metadata.name In", affinity(fields(expr("metadata.name", "In", "vm"))),
                        null),
                Arguments.of("matchFields metadata.name In another node",
                        affinity(fields(expr("metadata.name", "In", "other"))), AFFINITY),
                Arguments.of("matchFields metadata.name NotIn", affinity(fields(expr("metadata.name", "NotIn", "vm"))),
                        AFFINITY),
                Arguments.of("matchFields on another field is invalid",
                        affinity(fields(expr("metadata.uid", "In", "vm"))), AFFINITY),
                Arguments.of("selector and affinity both apply: selector fails",
                        withSelector(affinity(term(expr("kubernetes.io/os", "Exists"))), Map.of("gpu", "true")),
                        AFFINITY),
                Arguments.of("selector and affinity both apply: both hold",
                        withSelector(affinity(term(expr("kubernetes.io/os", "Exists"))),
                                Map.of("kubernetes.io/os", "linux")),
                        null),
                Arguments.of("unknown operator", affinity(term(expr("cores", "Like", "2"))), AFFINITY));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("selectorsAndAffinity")
    void nodeSelectorAndRequiredAffinity(String description, PodSpec pod, String expected) {
        assertThat(NodeFit.rejection(pod, NODE)).isEqualTo(Optional.ofNullable(expected));
    }

    static Stream<Arguments> taints() {
        Taint kvm = new Taint("NoSchedule", "nixpool.dev/kvm", null, "true");
        Taint keyOnly = new Taint("NoExecute", "dedicated", null, null);
        Taint prefer = new Taint("PreferNoSchedule", "spare", null, "yes");
        String untoleratedKvm = "node(s) had untolerated taint {nixpool.dev/kvm: true}";
        return Stream.of(
                Arguments.of("no toleration", kvm, List.of(), untoleratedKvm),
                Arguments.of("Exists on the key", kvm, List.of(tol("nixpool.dev/kvm", "Exists", null, "NoSchedule")),
                        null),
                Arguments.of("Exists with no key tolerates everything", kvm, List.of(tol(null, "Exists", null, null)),
                        null),
                Arguments.of("Equal on the value", kvm, List.of(tol("nixpool.dev/kvm", "Equal", "true", "NoSchedule")),
                        null),
                Arguments.of("empty operator means Equal", kvm, List.of(tol("nixpool.dev/kvm", null, "true", null)),
                        null),
                Arguments.of("Equal on another value", kvm,
                        List.of(tol("nixpool.dev/kvm", "Equal", "false", "NoSchedule")), untoleratedKvm),
                Arguments.of("other effect", kvm, List.of(tol("nixpool.dev/kvm", "Exists", null, "NoExecute")),
                        untoleratedKvm),
                Arguments.of("other key", kvm, List.of(tol("gpu", "Exists", null, null)), untoleratedKvm),
                Arguments.of("unknown operator", kvm, List.of(tol("nixpool.dev/kvm", "Gt", "true", null)),
                        untoleratedKvm),
                Arguments.of("a taint without value shows empty", keyOnly, List.of(),
                        "node(s) had untolerated taint {dedicated: }"),
                Arguments.of("a taint without value, Equal with no value", keyOnly,
                        List.of(tol("dedicated", "Equal", null, "NoExecute")), null),
                Arguments.of("PreferNoSchedule keeps nobody away", prefer, List.of(), null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("taints")
    void taintsAndTolerations(String description, Taint taint, List<Toleration> tolerations, String expected) {
        LocalNode tainted = new LocalNode(NODE.name(), NODE.labels(), List.of(taint));
        PodSpec pod = new PodSpecBuilder().withTolerations(tolerations).build();
        assertThat(NodeFit.rejection(pod, tainted)).isEqualTo(Optional.ofNullable(expected));
    }

    @org.junit.jupiter.api.Test
    void taintsAreCheckedBeforeAffinityAsTheSchedulersFilterOrderHasIt() {
        LocalNode tainted = new LocalNode(NODE.name(), NODE.labels(),
                List.of(new Taint("NoSchedule", "maintenance", null, "now")));
        assertThat(NodeFit.rejection(pod(Map.of("gpu", "true")), tainted))
                .contains("node(s) had untolerated taint {maintenance: now}");
    }

    private static PodSpec pod(Map<String, String> selector) {
        return new PodSpecBuilder().withNodeSelector(selector).build();
    }

    private static PodSpec affinity(NodeSelectorTerm... terms) {
        return new PodSpecBuilder().withNewAffinity().withNewNodeAffinity()
                .withNewRequiredDuringSchedulingIgnoredDuringExecution().withNodeSelectorTerms(terms)
                .endRequiredDuringSchedulingIgnoredDuringExecution().endNodeAffinity().endAffinity().build();
    }

    private static PodSpec withSelector(PodSpec pod, Map<String, String> selector) {
        pod.setNodeSelector(selector);
        return pod;
    }

    private static NodeSelectorTerm term(NodeSelectorRequirement... expressions) {
        return new NodeSelectorTerm(List.of(expressions), null);
    }

    private static NodeSelectorTerm fields(NodeSelectorRequirement... fields) {
        return new NodeSelectorTerm(null, List.of(fields));
    }

    private static NodeSelectorRequirement expr(String key, String operator, String... values) {
        return new NodeSelectorRequirement(key, operator, List.of(values));
    }

    private static Toleration tol(String key, String operator, String value, String effect) {
        return new Toleration(effect, key, operator, null, value);
    }
}

package dev.nixpool.reading;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.fabric8.kubernetes.api.model.DefaultKubernetesResourceList;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResourceList;
import io.fabric8.kubernetes.api.model.WatchEvent;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

import dev.nixpool.api.v1alpha1.BuildMachine;
import dev.nixpool.api.v1alpha1.NixBuild;
import dev.nixpool.api.v1alpha1.NixBuildPhase;

/** The operator client's reading of its kinds, as the informers' list and watch responses exercise it. */
class TolerantReadingTest {

    private final UnreadableObjects unreadable = new UnreadableObjects();
    private final KubernetesSerialization serialization = serialization();

    private KubernetesSerialization serialization() {
        ObjectMapper mapper = new ObjectMapper();
        new ReadingCustomizer(unreadable).customize(mapper);
        KubernetesSerialization result = new KubernetesSerialization(mapper, false);
        result.registerKubernetesResource(BuildMachine.class);
        result.registerKubernetesResource(NixBuild.class);
        return result;
    }

    private static String machine(String name, String spec) {
        return """
                {"apiVersion": "nixpool.dev/v1alpha1", "kind": "BuildMachine",
                 "metadata": {"name": "%s", "namespace": "ns", "resourceVersion": "7", "uid": "u-%s"},
                 "spec": %s}""".formatted(name, name, spec);
    }

    @Test
    void unknownFieldsAnywhereAreSkippedAndTheRestIsRead() {
        BuildMachine machine = serialization.unmarshal(machine("newer", """
                {"systems": ["x86_64-linux"], "minIdle": 2, "maxBuilders": 3,
                 "template": {"image": "nixpool/builder:2", "sidecars": [{"name": "cache"}]},
                 "featurePlacement": {"kvm": {"nodeSelector": {"kvm": "true"}, "runtimeClass": "kata"}}}"""),
                BuildMachine.class);

        assertThat(machine.getSpec().getSystems()).containsExactly("x86_64-linux");
        assertThat(machine.getSpec().getMaxBuilders()).isEqualTo(3);
        assertThat(machine.getSpec().getTemplate().getImage()).isEqualTo("nixpool/builder:2");
        assertThat(machine.getSpec().getFeaturePlacement().get("kvm").getNodeSelector()).containsEntry("kvm", "true");
        assertThat(unreadable.of(machine)).isEmpty();

        NixBuild build = serialization.unmarshal("""
                {"apiVersion": "nixpool.dev/v1alpha1", "kind": "NixBuild", "color": "blue",
                 "metadata": {"name": "b", "namespace": "ns"},
                 "spec": {"derivation": "/nix/store/x.drv", "attestation": {"url": "https://attest"}},
                 "status": {"phase": "Succeeded", "signedBy": ["k1"], "outputs": [{"name": "out", "narHash": "h"}]}}
                """, NixBuild.class);
        assertThat(build.getSpec().getDerivation()).isEqualTo("/nix/store/x.drv");
        assertThat(build.getStatus().getPhase()).isEqualTo(NixBuildPhase.Succeeded);
        assertThat(build.getStatus().getOutputs()).singleElement()
                .satisfies(output -> assertThat(output.getName()).isEqualTo("out"));
    }

    @Test
    void oneUnreadableObjectLeavesTheListReadableAndIsKeptByItsMetadata() {
        String list = """
                {"apiVersion": "nixpool.dev/v1alpha1", "kind": "BuildMachineList", "metadata": {},
                 "items": [%s, %s, %s]}""".formatted(
                machine("bad", "{\"systems\": [\"x86_64-linux\"], \"maxBuilders\": \"many\"}"),
                machine("worse", "3"),
                machine("good", "{\"systems\": [\"x86_64-linux\"]}"));

        KubernetesResourceList<BuildMachine> read = serialization.unmarshal(
                new ByteArrayInputStream(list.getBytes(StandardCharsets.UTF_8)),
                new TypeReference<DefaultKubernetesResourceList<BuildMachine>>() {
                });

        assertThat(read.getItems()).extracting(m -> m.getMetadata().getName()).containsExactly("bad", "worse",
                "good");
        BuildMachine bad = read.getItems().get(0);
        assertThat(bad.getSpec()).isNull();
        assertThat(bad.getMetadata().getUid()).isEqualTo("u-bad");
        assertThat(bad.getKind()).isEqualTo("BuildMachine");
        assertThat(unreadable.of(bad)).hasValueSatisfying(u -> assertThat(u.reason())
                .startsWith("spec.maxBuilders: ")
                .contains("Integer")
                .contains("\"many\"")
                .doesNotContain("java.lang"));
        assertThat(unreadable.of(read.getItems().get(1))).hasValueSatisfying(u -> assertThat(u.reason())
                .startsWith("spec: ")
                .contains("BuildMachineSpec")
                .doesNotContain("dev.nixpool"));
        assertThat(read.getItems().get(2).getSpec().getSystems()).containsExactly("x86_64-linux");
        assertThat(unreadable.of(read.getItems().get(2))).isEmpty();
    }

    @Test
    void aWatchEventOfAnUnreadableObjectIsDeliveredAndANewerReadableVersionEndsTheRecord() {
        String event = "{\"type\": \"MODIFIED\", \"object\": %s}";
        WatchEvent bad = serialization.unmarshal(
                event.formatted(machine("pool", "{\"systems\": \"x86_64-linux\"}")), WatchEvent.class);
        BuildMachine unreadableVersion = (BuildMachine) bad.getObject();
        assertThat(unreadable.of(unreadableVersion)).hasValueSatisfying(u -> assertThat(u.reason())
                .startsWith("spec.systems: "));

        // what JOSDK does before a reconcile: a copy of the same version stays unreadable
        BuildMachine copy = serialization.clone(unreadableVersion);
        assertThat(unreadable.of(copy)).isPresent();

        WatchEvent fixed = serialization.unmarshal(event.formatted(machine("pool", "{\"systems\": [\"x86_64-linux\"]}")
                .replace("\"resourceVersion\": \"7\"", "\"resourceVersion\": \"8\"")), WatchEvent.class);
        HasMetadata readable = (HasMetadata) fixed.getObject();
        assertThat(((BuildMachine) readable).getSpec().getSystems()).containsExactly("x86_64-linux");
        assertThat(unreadable.of(unreadableVersion)).isEmpty();
        assertThat(List.of(readable)).noneMatch(r -> unreadable.of(r).isPresent());
    }
}

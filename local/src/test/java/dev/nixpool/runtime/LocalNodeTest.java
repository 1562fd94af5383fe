package dev.nixpool.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalNodeTest {

    @TempDir
    Path dir;

    @Test
    void detectedLabelsAreTheMachinesOwn() throws Exception {
        Path kvm = Files.createFile(dir.resolve("kvm"));
        LocalNode node = LocalNode.detect("builder-1", "amd64", kvm);
        assertThat(node.name()).isEqualTo("builder-1");
        assertThat(node.labels()).containsExactlyInAnyOrderEntriesOf(java.util.Map.of("kubernetes.io/os", "linux",
                "kubernetes.io/arch", "amd64", "kubernetes.io/hostname", "builder-1", "nixpool.dev/big-parallel",
                "true", "nixpool.dev/kvm", "true"));
        assertThat(node.taints()).isEmpty();
    }

    @Test
    void noKvmLabelWithoutAUsableDevice() throws Exception {
        assertThat(LocalNode.detect("n", "aarch64", dir.resolve("absent")).labels())
                .doesNotContainKey("nixpool.dev/kvm").containsEntry("kubernetes.io/arch", "arm64");
    }

    @Test
    void labelChangesSetAndRemove() {
        LocalNode node = LocalNode.detect("n", "amd64", dir.resolve("absent"))
                .withLabelChanges(List.of("nixpool.dev/kvm=true", "nixpool.dev/big-parallel-", "zone=a=b"));
        assertThat(node.labels()).containsEntry("nixpool.dev/kvm", "true").containsEntry("zone", "a=b")
                .doesNotContainKey("nixpool.dev/big-parallel");
        assertThatThrownBy(() -> node.withLabelChanges(List.of("novalue"))).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("expected a node label change KEY=VALUE (set) or KEY- (remove), got 'novalue'");
    }

    @Test
    void taintsAsKubectlWritesThem() {
        LocalNode node = LocalNode.detect("n", "amd64", dir.resolve("absent"))
                .withTaints(List.of("nixpool.dev/kvm=true:NoSchedule", "dedicated:NoExecute"));
        assertThat(node.taints()).extracting(t -> t.getKey() + "|" + t.getValue() + "|" + t.getEffect())
                .containsExactly("nixpool.dev/kvm|true|NoSchedule", "dedicated|null|NoExecute");
        assertThatThrownBy(() -> node.withTaints(List.of("k=v:Sometimes")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("got 'k=v:Sometimes'");
    }
}

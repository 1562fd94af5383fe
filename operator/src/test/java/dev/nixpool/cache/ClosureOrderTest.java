package dev.nixpool.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

import dev.nixpool.nix.store.NixHash;
import dev.nixpool.nix.store.StorePath;
import dev.nixpool.nix.store.ValidPathInfo;

class ClosureOrderTest {

    @Test
    void everyPathComesAfterItsReferencesWhateverTheInputOrder() throws Exception {
        List<ValidPathInfo> infos = new ArrayList<>();
        List<StorePath> made = new ArrayList<>();
        Random random = new Random(7);
        for (int i = 0; i < 40; i++) {
            StorePath p = path(i);
            List<StorePath> refs = new ArrayList<>();
            for (StorePath earlier : made) {
                if (random.nextInt(4) == 0) {
                    refs.add(earlier);
                }
            }
            refs.add(p);
            infos.add(info(p, refs));
            made.add(p);
        }
        for (int round = 0; round < 5; round++) {
            Collections.shuffle(infos, random);
            List<ValidPathInfo> order = ClosureOrder.referencesFirst(infos);
            assertThat(order).hasSize(infos.size());
            for (int i = 0; i < order.size(); i++) {
                for (StorePath ref : order.get(i).references()) {
                    int at = order.stream().map(ValidPathInfo::path).toList().indexOf(ref);
                    assertThat(at).as("%s before %s", ref, order.get(i).path()).isLessThanOrEqualTo(i);
                }
            }
            List<ValidPathInfo> reversed = new ArrayList<>(infos);
            Collections.reverse(reversed);
            assertThat(order).as("the same order from any input order")
                    .isEqualTo(ClosureOrder.referencesFirst(reversed));
        }
    }

    @Test
    void cyclesAndDuplicatesAreRefused() throws Exception {
        StorePath a = path(1);
        StorePath b = path(2);
        assertThatThrownBy(() -> ClosureOrder.referencesFirst(List.of(info(a, List.of(b)), info(b, List.of(a)))))
                .hasMessageContaining("cycle");
        assertThatThrownBy(() -> ClosureOrder.referencesFirst(List.of(info(a, List.of()), info(a, List.of()))))
                .hasMessageContaining("twice");
    }

    private static StorePath path(int i) throws Exception {
        return StorePath.parseBaseName(String.format("%032d", i) + "-p" + i);
    }

    private static ValidPathInfo info(StorePath p, List<StorePath> refs) {
        return new ValidPathInfo(p, null, NixHash.sha256Of(p.toString().getBytes()), refs, 0, 1, false, List.of(),
                "");
    }
}

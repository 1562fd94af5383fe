package dev.nixpool.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

import dev.nixpool.TestConfig;
import dev.nixpool.TestResources;
import dev.nixpool.api.v1alpha1.BuildMachine;
import dev.nixpool.api.v1alpha1.NixBuild;
import dev.nixpool.config.BuilderDefaults;
import dev.nixpool.config.NixpoolConfig;
import dev.nixpool.lifecycle.CapacityLedger;
import dev.nixpool.scheduling.BuildRequest;

/** Every reconcile of a waiting build asks for the namespace's waiting requests: unchanged builds, the same answer. */
class WaitingBuildsTest {

    private final AtomicReference<List<NixBuild>> cached = new AtomicReference<>(List.of());
    private final NixpoolConfig config = TestConfig.nixpool(Map.of());
    private final BuildMachine pool = TestResources.machine("ns", "pool", 1, List.of("x86_64-linux"), List.of(),
            List.of());
    private final CapacityLedger ledger = new CapacityLedger(BuilderDefaults.from(config), false,
            java.time.Instant.EPOCH, () -> "s" + new AtomicInteger().incrementAndGet(), config.scheduling());
    private final WaitingBuilds waiting = new WaitingBuilds(buildCache(cached::get),
            new ListCache<>(() -> List.of(pool)), ledger, new PositionBudget(20));

    private static NixBuild build(String name) {
        NixBuild build = TestResources.build("ns", name, "x86_64-linux", List.of());
        build.getMetadata().setUid(UUID.randomUUID().toString());
        build.getMetadata().setGeneration(1L);
        build.getMetadata().setCreationTimestamp("2026-01-01T00:00:0" + name.length() + "Z");
        return build;
    }

    @Test
    void theSameBuildsGiveTheSameListAndQueue() {
        cached.set(List.of(build("a"), build("bb")));
        List<BuildRequest> first = waiting.requests("ns");
        assertThat(first).extracting(BuildRequest::name).containsExactly("a", "bb");
        assertThat(waiting.requests("ns")).isSameAs(first);
        assertThat(waiting.queue("ns")).isSameAs(waiting.queue("ns"));
    }

    @Test
    void aChangedOrNewBuildGivesANewList() {
        NixBuild a = build("a");
        cached.set(List.of(a, build("bb")));
        List<BuildRequest> first = waiting.requests("ns");

        List<NixBuild> changed = new ArrayList<>(List.of(a, build("bb")));
        cached.set(changed);
        List<BuildRequest> second = waiting.requests("ns");
        assertThat(second).isNotSameAs(first).extracting(BuildRequest::name).containsExactly("a", "bb");
        assertThat(second.get(0)).as("an unchanged build's request is kept").isSameAs(first.get(0));

        cached.set(List.of(a, changed.get(1), build("ccc")));
        assertThat(waiting.requests("ns")).extracting(BuildRequest::name).containsExactly("a", "bb", "ccc");
    }

    private static ListCache<NixBuild> buildCache(java.util.function.Supplier<List<NixBuild>> items) {
        ListCache<NixBuild> cache = new ListCache<>(items);
        cache.addIndexers(BuildIndexes.all());
        return cache;
    }

}

package dev.nixpool.bench;

import java.util.ArrayList;
import java.util.List;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;

import dev.nixpool.api.v1alpha1.BuildMachine;
import dev.nixpool.api.v1alpha1.BuildMachineSpec;

/** The benchmark pool: which builders a build finds when it is created. */
enum PoolMode {
    /** No warm builders (minIdle 0): each build starts its own ephemeral builder pod. */
    COLD("cold: every build starts its builder pod (ephemeral, minIdle 0)"),
    /** minIdle builders Ready and idle, one build each: the pool starts a replacement when a build takes one. */
    WARM("warm: builds take an idle Ready builder (ephemeral, minIdle = concurrency)"),
    /** minIdle builders Ready and idle that serve build after build (ephemeral: false). */
    REUSABLE("warm, reusable: builds take an idle Ready builder that served earlier builds (ephemeral: false)");

    static final String POOL_NAME = "default";

    private final String description;

    PoolMode(String description) {
        this.description = description;
    }

    String description() {
        return description;
    }

    boolean warm() {
        return this != COLD;
    }

    /**
     * The BuildMachine for {@code concurrency} builds at a time. maxBuilders counts pods being deleted too, so an
     * ephemeral pool may have twice as many builders as builds at a time: the next build does not wait for the last
     * one's pod to go (cold), and {@code concurrency} idle builders fit beside the busy ones (warm). A reusable pool
     * needs no more builders than builds at a time.
     */
    BuildMachine pool(String namespace, int concurrency) {
        BuildMachineSpec spec = new BuildMachineSpec();
        spec.setSystems(new ArrayList<>(List.of("x86_64-linux")));
        spec.setMaxBuilders(this == REUSABLE ? concurrency : 2 * concurrency);
        if (warm()) {
            spec.setMinIdle(concurrency);
        }
        if (this == REUSABLE) {
            spec.setEphemeral(false);
        }
        BuildMachine pool = new BuildMachine();
        pool.setMetadata(new ObjectMetaBuilder().withNamespace(namespace).withName(POOL_NAME).build());
        pool.setSpec(spec);
        return pool;
    }
}

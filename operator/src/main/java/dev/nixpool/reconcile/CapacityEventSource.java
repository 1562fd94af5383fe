package dev.nixpool.reconcile;

import java.util.function.Consumer;

import io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource;

import dev.nixpool.api.v1alpha1.NixBuild;

/**
 * Capacity given back (a build ended or lost its builder) as JOSDK events for the waiting builds that could take it:
 * the head of the namespace's queue, not every waiting build (the ones behind learn their new place from
 * {@link QueuePositionSource}). A reusable builder going idle changes no pod, so without this the waiting builds would
 * only notice at their safety requeue. The event comes from the ledger after it recorded the release, so a woken build
 * sees the free capacity.
 */
class CapacityEventSource extends SimpleInboundEventSource<NixBuild> implements Consumer<String> {

    static final String NAME = "capacity";

    private final WaitingBuilds waiting;

    CapacityEventSource(WaitingBuilds waiting) {
        super(NAME);
        this.waiting = waiting;
    }

    @Override
    public void accept(String namespace) {
        waiting.contenders(namespace).forEach(this::propagateEvent);
    }
}

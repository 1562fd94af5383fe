package dev.nixpool.reconcile;

import java.util.function.Consumer;

import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.IndexerResourceCache;
import io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource;

import dev.nixpool.api.v1alpha1.NixBuild;
import dev.nixpool.lifecycle.SchedulingInputs;

/**
 * Capacity given back (a build ended or lost its builder) as JOSDK events for the builds waiting in that namespace. A
 * reusable builder going idle changes no pod, so without this the waiting builds would only notice at their safety
 * requeue. The event comes from the ledger after it recorded the release, so a woken build sees the free capacity.
 */
class CapacityEventSource extends SimpleInboundEventSource<NixBuild> implements Consumer<String> {

    static final String NAME = "capacity";

    private final IndexerResourceCache<NixBuild> builds;

    CapacityEventSource(IndexerResourceCache<NixBuild> builds) {
        super(NAME);
        this.builds = builds;
    }

    @Override
    public void accept(String namespace) {
        builds.list(namespace, SchedulingInputs::isWaiting).map(ResourceID::fromResource).forEach(this::propagateEvent);
    }
}

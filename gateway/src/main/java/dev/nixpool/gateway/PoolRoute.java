package dev.nixpool.gateway;

import java.util.List;

/**
 * A pool a client may build on, as the broker describes it: where it lives and what it offers, so that the gateway can
 * check a derivation against it before anything is queued.
 */
public record PoolRoute(String namespace, String pool, List<String> systems, List<String> supportedFeatures,
        List<String> mandatoryFeatures) {

    public PoolRoute {
        systems = List.copyOf(systems);
        supportedFeatures = List.copyOf(supportedFeatures);
        mandatoryFeatures = List.copyOf(mandatoryFeatures);
    }

    @Override
    public String toString() {
        return namespace + "/" + pool;
    }
}

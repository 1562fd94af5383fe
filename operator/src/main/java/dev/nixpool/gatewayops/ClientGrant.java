package dev.nixpool.gatewayops;

import java.security.PublicKey;
import java.util.Set;

/**
 * One namespace's authorisation of one client key: the key's name there and the pools of that namespace it may use
 * (empty = all of them).
 */
public record ClientGrant(String namespace, String keyName, PublicKey key, String fingerprint, Set<String> pools) {

    public ClientGrant {
        pools = Set.copyOf(pools);
    }

    public boolean allows(String pool) {
        return pools.isEmpty() || pools.contains(pool);
    }
}

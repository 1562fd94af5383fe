package dev.nixpool.runtime;

import java.util.BitSet;
import java.util.Optional;
import java.util.function.Predicate;

import dev.nixpool.runtime.BuilderRuntimeConfig.LoopbackRange;

/**
 * Hands out 127.0.0.N addresses as pod IPs, lowest free first, so a released address is the next one reused. Every
 * address in 127.0.0.0/8 reaches this machine, which is what makes one address per pod work without network namespaces.
 */
final class LoopbackAddressPool {

    private final LoopbackRange range;
    private final BitSet taken = new BitSet(256);

    LoopbackAddressPool(LoopbackRange range) {
        this.range = range;
    }

    /**
     * @param usable a last check per candidate (the runtime skips addresses whose SSH port something else already holds,
     *        such as a hand-started sshd of another test)
     */
    synchronized Optional<String> allocate(Predicate<String> usable) {
        for (int host = range.first(); host <= range.last(); host++) {
            if (!taken.get(host) && usable.test(address(host))) {
                taken.set(host);
                return Optional.of(address(host));
            }
        }
        return Optional.empty();
    }

    synchronized void release(String address) {
        int host = hostPart(address);
        if (!taken.get(host)) {
            throw new IllegalStateException(address + " was not allocated from " + range);
        }
        taken.clear(host);
    }

    synchronized int inUse() {
        return taken.cardinality();
    }

    LoopbackRange range() {
        return range;
    }

    private int hostPart(String address) {
        if (!address.startsWith("127.0.0.")) {
            throw new IllegalArgumentException("expected an address 127.0.0.N from " + range + ", got " + address);
        }
        int host = Integer.parseInt(address.substring("127.0.0.".length()));
        if (host < range.first() || host > range.last()) {
            throw new IllegalArgumentException("expected an address from " + range + ", got " + address);
        }
        return host;
    }

    private static String address(int host) {
        return "127.0.0." + host;
    }
}

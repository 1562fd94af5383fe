package dev.nixpool.scheduling;

import java.util.List;

/** The scheduler's answer for one build. */
public sealed interface Decision {

    /** The build takes a slot of {@code pool} now. */
    record Assign(Pool pool) implements Decision {
    }

    /**
     * Some pool could take the build but none has a slot for it yet.
     *
     * @param position 1 = next: older waiting builds competing for the same pools come first
     */
    record Wait(int position, List<String> eligiblePools) implements Decision {
        public Wait {
            eligiblePools = List.copyOf(eligiblePools);
        }
    }

    /** No pool can ever take the build as it is; {@code message} says why each declined. */
    record Unschedulable(String message) implements Decision {
    }
}

package dev.nixpool.capacity;

import java.time.Instant;

/**
 * One builder pod of a pool as the capacity decisions see it.
 *
 * @param slot the builder's slot in its pool (0 to maxBuilders - 1)
 * @param claims builds assigned to it and not finished
 * @param idleSince when its last build ended, or when it became available
 * @param stale rendered from an older template: replaced once it is idle
 * @param served builds it finished (reusable builders)
 */
public record Builder(String name, int slot, State state, int claims, Instant createdAt, Instant idleSince,
        boolean stale, int served) {

    public enum State {
        /** Created, not Ready yet. */
        STARTING,
        /**
         * Ready, the operator's kept connection to it still being made (login, serve session, evaluator): it takes
         * builds, which wait for that, so it is counted as starting and given after Ready ones.
         */
        WARMING,
        /** Ready and warm: it takes builds up to its jobs, and a build starts on it at once. */
        READY,
        /** Being deleted, or done serving (an ephemeral builder after its build): it takes no build again. */
        RETIRING
    }

    /** Started or starting, without a build: capacity a build gets at once (or as soon as it is Ready). */
    public boolean warm() {
        return claims == 0 && state != State.RETIRING;
    }
}

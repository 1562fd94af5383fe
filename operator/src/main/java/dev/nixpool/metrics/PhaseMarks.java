package dev.nixpool.metrics;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import dev.nixpool.api.v1alpha1.NixBuildPhase;

/**
 * When this process saw each build enter its current phase, at the reconcile's millisecond clock. Bounded: the oldest
 * entries go first (a build deleted before it ended leaves one behind), and a build without an entry, or one seen by
 * another operator process, is timed by its status' timestamps instead.
 */
final class PhaseMarks {

    private record Mark(NixBuildPhase phase, Instant at) {
    }

    private final Map<String, Mark> marks;

    PhaseMarks(int capacity) {
        this.marks = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Mark> eldest) {
                return size() > capacity;
            }
        };
    }

    /** When the build entered {@code phase}, if this process saw it happen and it has not moved since. */
    synchronized Optional<Instant> entered(String uid, NixBuildPhase phase) {
        Mark mark = marks.get(uid);
        return mark != null && mark.phase() == phase ? Optional.of(mark.at()) : Optional.empty();
    }

    /** The build entered {@code phase} at {@code at}; a final phase ends its entry. */
    synchronized void moved(String uid, NixBuildPhase phase, Instant at) {
        if (phase.isFinal()) {
            marks.remove(uid);
        } else {
            marks.put(uid, new Mark(phase, at));
        }
    }

    synchronized int size() {
        return marks.size();
    }
}

package dev.nixpool.bench;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.fabric8.kubernetes.api.model.Pod;

import dev.nixpool.Names;
import dev.nixpool.api.v1alpha1.NixBuild;
import dev.nixpool.api.v1alpha1.NixBuildPhase;
import dev.nixpool.api.v1alpha1.NixBuildStatus;

/** When each {@link Milestone} of one build was first observed (System.nanoTime of the watch event). */
final class BuildMilestones {

    private final Map<Milestone, Long> seen = new EnumMap<>(Milestone.class);
    private NixBuildPhase finalPhase;
    private String failure;
    private String builder;

    synchronized void mark(Milestone milestone, long nanos) {
        seen.putIfAbsent(milestone, nanos);
        notifyAll();
    }

    /** Waits until the build was seen Scheduled (or ended); false when the deadline (System.nanoTime) came first. */
    synchronized boolean awaitScheduled(long deadlineNanos) throws InterruptedException {
        while (!seen.containsKey(Milestone.SCHEDULED) && finalPhase == null) {
            long left = deadlineNanos - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        return true;
    }

    /** Reads the milestones a status shows; a status may show several at once (one write, several steps). */
    synchronized void observe(NixBuild build, long nanos) {
        NixBuildStatus status = build.getStatus();
        if (status == null || status.getPhase() == null) {
            return;
        }
        if (status.getPhase() != NixBuildPhase.Pending) {
            mark(Milestone.SCHEDULED, nanos);
        }
        boolean builderReady = status.getConditions().stream()
                .anyMatch(c -> Names.CONDITION_BUILDER_READY.equals(c.getType()) && "True".equals(c.getStatus()));
        if (builderReady) {
            mark(Milestone.BUILDER_READY, nanos);
        }
        if (status.getDerivation() != null) {
            mark(Milestone.EVALUATED, nanos);
        }
        if (status.getBuilder() != null && builder == null) {
            builder = status.getBuilder();
        }
        if (!seen.containsKey(Milestone.COMMAND_ON_BUILDER)) {
            BuilderStamp.find(status.getLogTail())
                    .ifPresent(stamp -> mark(Milestone.COMMAND_ON_BUILDER, BuilderStamp.toNanoTime(stamp)));
        }
        if (status.getBuildStatus() != null || !status.getOutputs().isEmpty()) {
            mark(Milestone.BUILT, nanos);
        }
        if (status.getPhase() == NixBuildPhase.Succeeded) {
            mark(Milestone.SUCCEEDED, nanos);
        }
        if (status.getPhase().isFinal() && finalPhase == null) {
            finalPhase = status.getPhase();
            notifyAll();
            if (status.getPhase() == NixBuildPhase.Failed) {
                failure = "buildStatus " + status.getBuildStatus() + ", conditions " + status.getConditions().stream()
                        .map(c -> c.getType() + "=" + c.getStatus() + " " + c.getReason() + ": " + c.getMessage())
                        .toList();
            }
        }
    }

    synchronized void observe(Pod pod, long nanos) {
        if (isReady(pod)) {
            mark(Milestone.POD_READY, nanos);
        }
    }

    static boolean isReady(Pod pod) {
        return pod.getStatus() != null && pod.getStatus().getConditions() != null && pod.getStatus().getConditions()
                .stream().anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }

    synchronized boolean isFinished() {
        return finalPhase != null;
    }

    synchronized NixBuildPhase finalPhase() {
        return finalPhase;
    }

    /** The builder pod the build was given (status.builder), null before it was scheduled. */
    synchronized String builder() {
        return builder;
    }

    /** When a milestone was seen (System.nanoTime), null when not. */
    synchronized Long at(Milestone milestone) {
        return seen.get(milestone);
    }

    synchronized String failure() {
        return failure;
    }

    /** Milliseconds from {@code from} to {@code to}, or null when either was not observed. */
    synchronized Double millis(Milestone from, Milestone to) {
        Long start = seen.get(from);
        Long end = seen.get(to);
        return start == null || end == null ? null : (end - start) / 1e6;
    }
}

package dev.nixpool.lifecycle;

import static dev.nixpool.api.v1alpha1.NixBuildPhase.Building;
import static dev.nixpool.api.v1alpha1.NixBuildPhase.Failed;
import static dev.nixpool.api.v1alpha1.NixBuildPhase.Pending;
import static dev.nixpool.api.v1alpha1.NixBuildPhase.Scheduled;
import static dev.nixpool.api.v1alpha1.NixBuildPhase.Succeeded;
import static dev.nixpool.api.v1alpha1.NixBuildPhase.Uploading;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

import dev.nixpool.Names;
import dev.nixpool.api.v1alpha1.NixBuildPhase;
import dev.nixpool.api.v1alpha1.NixBuildStatus;
import dev.nixpool.status.Conditions;
import dev.nixpool.status.Reason;

/**
 * The one place that moves a NixBuild between phases, and the one place that writes its conditions and Events: each
 * method is one thing that happened to the build, and sets the phase, that phase's conditions and its Event together.
 * Moves are checked against {@link #EDGES}; staying in a phase is checked against the phases the news belongs to. A
 * move the table does not allow is a bug in a step, not something a user can cause: it throws.
 *
 * <pre>
 * Pending → Scheduled → Building → Succeeded | Failed
 * Building → Uploading → Succeeded | Failed         (built with a copyTo destination: copied, or UploadFailed)
 * Pending | Scheduled | Building | Uploading → Failed  (timeout, invalid input, rejected builder, internal error)
 * Scheduled | Building | Uploading → Pending        (a lost builder only; Scheduled is reset)
 * </pre>
 */
public final class Transitions {

    /** The allowed moves, from phase to phases. A build without a phase is Pending. */
    static final Map<NixBuildPhase, Set<NixBuildPhase>> EDGES = edges();

    private Transitions() {
    }

    private static Map<NixBuildPhase, Set<NixBuildPhase>> edges() {
        Map<NixBuildPhase, Set<NixBuildPhase>> edges = new EnumMap<>(NixBuildPhase.class);
        edges.put(Pending, EnumSet.of(Scheduled, Failed));
        edges.put(Scheduled, EnumSet.of(Building, Pending, Failed));
        edges.put(Building, EnumSet.of(Succeeded, Failed, Pending, Uploading));
        edges.put(Uploading, EnumSet.of(Succeeded, Failed, Pending));
        edges.put(Succeeded, EnumSet.noneOf(NixBuildPhase.class));
        edges.put(Failed, EnumSet.noneOf(NixBuildPhase.class));
        return edges;
    }

    public static boolean allowed(NixBuildPhase from, NixBuildPhase to) {
        return EDGES.get(from).contains(to);
    }

    /** The phase a build is in: Pending until the lifecycle first looked at it. */
    static NixBuildPhase phaseOf(NixBuildStatus status) {
        return status.getPhase() != null ? status.getPhase() : Pending;
    }

    private static void move(StepContext context, NixBuildPhase to) {
        NixBuildPhase from = phaseOf(context.status());
        if (!allowed(from, to)) {
            throw new IllegalStateException("NixBuild " + context.namespace() + "/"
                    + context.build().getMetadata().getName() + ": no transition from " + from + " to " + to);
        }
        context.status().setPhase(to);
    }

    private static void stay(StepContext context, NixBuildPhase... phases) {
        NixBuildPhase current = phaseOf(context.status());
        if (!EnumSet.of(phases[0], phases).contains(current)) {
            throw new IllegalStateException("NixBuild " + context.namespace() + "/"
                    + context.build().getMetadata().getName() + ": news for phase " + EnumSet.of(phases[0], phases)
                    + " while it is " + current);
        }
    }

    // Pending

    /** The lifecycle sees the build for the first time. */
    static void admitted(StepContext context) {
        if (context.status().getPhase() == null) {
            context.status().setPhase(Pending);
        }
    }

    /** The spec passed the schema but not the operator's checks: it waits for a new generation. */
    static void invalidSpec(StepContext context, String message) {
        stay(context, Pending);
        if (context.condition(Names.CONDITION_SCHEDULED, false, Reason.INVALID_SPEC, message)) {
            context.warningEvent(Reason.INVALID_SPEC, message);
        }
    }

    static void waitingForCapacity(StepContext context, int position, String message) {
        stay(context, Pending);
        boolean newlyWaiting = !Conditions.find(context.status().getConditions(), Names.CONDITION_SCHEDULED)
                .map(c -> Reason.WAITING_FOR_CAPACITY.value().equals(c.getReason()))
                .orElse(false);
        context.status().setQueuePosition(position);
        context.condition(Names.CONDITION_SCHEDULED, false, Reason.WAITING_FOR_CAPACITY, message);
        if (newlyWaiting) {
            context.warningEvent(Reason.WAITING_FOR_CAPACITY, message);
        }
    }

    static void unschedulable(StepContext context, String message) {
        stay(context, Pending);
        context.status().setQueuePosition(null);
        if (context.condition(Names.CONDITION_SCHEDULED, false, Reason.UNSCHEDULABLE, message)) {
            context.warningEvent(Reason.UNSCHEDULABLE, message);
        }
    }

    /** Pending → Scheduled: a pool was chosen and the attempt's builder pod exists. */
    static void scheduled(StepContext context, String machine, String podName, int attempt, boolean created) {
        move(context, Scheduled);
        NixBuildStatus status = context.status();
        status.setMachine(machine);
        status.setBuilder(podName);
        status.setAttempts(attempt);
        status.setQueuePosition(null);
        if (status.getStartTime() == null) {
            status.setStartTime(Conditions.timestamp(context.now()));
        }
        String message = "assigned to BuildMachine " + machine;
        if (context.condition(Names.CONDITION_SCHEDULED, true, Reason.SCHEDULED, message)) {
            context.normalEvent(Reason.SCHEDULED, message);
        }
        context.condition(Names.CONDITION_BUILDER_READY, false, Reason.WAITING_FOR_BUILDER,
                "waiting for builder pod " + podName + " to become Ready");
        if (created) {
            context.normalEvent(Reason.BUILDER_CREATED,
                    "created builder pod " + podName + " and its key Secret " + Names.keySecretName(podName));
        }
    }

    // Scheduled

    static void waitingForBuilder(StepContext context, String message) {
        stay(context, Scheduled);
        context.condition(Names.CONDITION_BUILDER_READY, false, Reason.WAITING_FOR_BUILDER, message);
    }

    /** Past the readiness timeout: said once (a Warning Event when it first becomes true), the build keeps waiting. */
    static void builderNotReady(StepContext context, String message) {
        stay(context, Scheduled);
        if (context.condition(Names.CONDITION_BUILDER_READY, false, Reason.BUILDER_NOT_READY, message)) {
            context.warningEvent(Reason.BUILDER_NOT_READY, message);
        }
    }

    /** Scheduled → Building: the session is up. */
    static void connected(StepContext context, String message) {
        move(context, Building);
        context.condition(Names.CONDITION_BUILDER_READY, true, Reason.CONNECTED, message);
        context.normalEvent(Reason.CONNECTED, message);
    }

    // Building

    /** After an operator restart the attempt continues on the same builder: no new phase. */
    static void reconnecting(StepContext context, String message) {
        stay(context, Building);
        context.condition(Names.CONDITION_BUILDER_READY, true, Reason.CONNECTED, message);
        context.normalEvent(Reason.BUILDING, message);
    }

    static void derivationKnown(StepContext context, String derivation) {
        stay(context, Building, Uploading);
        context.status().setDerivation(derivation);
    }

    /**
     * Scheduled | Building → Pending: the builder was lost and a new attempt follows on a fresh one. The build is no
     * longer assigned, so {@code Scheduled} says so (reason Retrying) instead of naming the pool it left.
     */
    static void builderLost(StepContext context, String message, int nextAttempt) {
        move(context, Pending);
        NixBuildStatus status = context.status();
        context.condition(Names.CONDITION_BUILDER_READY, false, Reason.BUILDER_LOST, message);
        context.condition(Names.CONDITION_SCHEDULED, false, Reason.RETRYING,
                "back in the queue for attempt " + nextAttempt + " after builder " + status.getBuilder()
                        + " was lost");
        context.warningEvent(Reason.BUILDER_LOST, message);
        status.setAttempts(nextAttempt);
        status.setBuilder(null);
        // back in the queue (it keeps its place: the queue is ordered by creation time)
        status.setMachine(null);
        status.setDerivation(null);
        status.setOutputs(new ArrayList<>());
    }

    // Uploading

    /**
     * Building → Uploading: Nix built the outputs (status.outputs set) and they are to be copied to {@code uri}; the
     * builder stays until they are.
     */
    static void builtForUpload(StepContext context, String message, String uri) {
        move(context, Uploading);
        String uploading = "copying the outputs and their closure to " + uri;
        context.condition(Names.CONDITION_UPLOADED, false, Reason.UPLOADING, uploading);
        context.normalEvent(Reason.UPLOADING, message + "; " + uploading);
    }

    /** An upload attempt failed and another follows: said once per distinct message. */
    static void uploadRetrying(StepContext context, String message) {
        stay(context, Uploading);
        if (context.condition(Names.CONDITION_UPLOADED, false, Reason.UPLOAD_RETRYING, message)) {
            context.warningEvent(Reason.UPLOAD_RETRYING, message);
        }
    }

    /** Uploading → Succeeded: the outputs are in the destination; the Succeeded condition keeps Nix's verdict. */
    static void uploaded(StepContext context, Reason nixReason, String uploadMessage, String message,
            String logTail) {
        context.condition(Names.CONDITION_UPLOADED, true, Reason.UPLOADED, uploadMessage);
        end(context, Succeeded, nixReason, message, logTail);
    }

    /** Uploading → Failed: the destination refused, or would not answer, through every attempt. */
    static void uploadFailed(StepContext context, String message, String logTail) {
        context.condition(Names.CONDITION_UPLOADED, false, Reason.UPLOAD_FAILED, message);
        end(context, Failed, Reason.UPLOAD_FAILED, message, logTail);
    }

    // → Succeeded | Failed

    /** Building → Succeeded: Nix's verdict is a success. */
    static void succeeded(StepContext context, Reason reason, String message, String logTail) {
        end(context, Succeeded, reason, message, logTail);
    }

    /** → Failed, for a reason without more to say on the other conditions (Nix's failures, a misfit, ...). */
    static void failed(StepContext context, Reason reason, String message, String logTail) {
        end(context, Failed, reason, message, logTail);
    }

    /** Connecting failed in a way a fresh builder would not fix (e.g. HostKeyMismatch). */
    static void connectFailed(StepContext context, Reason reason, String message, String logTail) {
        context.condition(Names.CONDITION_BUILDER_READY, false, reason, message);
        end(context, Failed, reason, message, logTail);
    }

    /** The builder was lost and no retries are left. */
    static void builderLostForGood(StepContext context, String message, String logTail) {
        context.condition(Names.CONDITION_BUILDER_READY, false, Reason.BUILDER_LOST, message);
        end(context, Failed, Reason.BUILDER_LOST, message, logTail);
    }

    /** Pending → Failed: the API server refused the builder pod or its key Secret (its message says why). */
    static void builderRejected(StepContext context, String message, String logTail) {
        context.condition(Names.CONDITION_BUILDER_READY, false, Reason.BUILDER_REJECTED, message);
        end(context, Failed, Reason.BUILDER_REJECTED, message, logTail);
    }

    static void timedOut(StepContext context, String message, String logTail) {
        context.status().setBuildStatus(Reason.TIMED_OUT.value());
        end(context, Failed, Reason.TIMED_OUT, message, logTail);
    }

    private static void end(StepContext context, NixBuildPhase phase, Reason reason, String message, String logTail) {
        move(context, phase);
        context.ended();
        NixBuildStatus status = context.status();
        status.setQueuePosition(null);
        status.setCompletionTime(Conditions.timestamp(context.now()));
        String created = context.build().getMetadata().getCreationTimestamp();
        if (created != null) {
            status.setDuration(BuildDuration.format(Duration.between(Instant.parse(created), context.now())));
        }
        status.setLogTail(logTail == null || logTail.isEmpty() ? null : logTail);
        boolean succeeded = phase == Succeeded;
        context.condition(Names.CONDITION_SUCCEEDED, succeeded, reason, message);
        if (succeeded) {
            context.normalEvent(reason, message);
        } else {
            context.warningEvent(reason, message);
        }
    }
}

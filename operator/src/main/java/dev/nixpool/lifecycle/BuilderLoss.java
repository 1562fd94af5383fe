package dev.nixpool.lifecycle;

import java.time.Duration;

import jakarta.enterprise.context.ApplicationScoped;

import dev.nixpool.api.v1alpha1.NixBuildStatus;
import dev.nixpool.runner.BuildRunner;
import dev.nixpool.runner.RunKey;

/**
 * A builder was lost (its pod vanished or ended, never became Ready, or the session broke in a way a fresh builder may
 * not): the attempt is stopped and the builder retired (an ephemeral one deleted at once); then either a new attempt follows after a backoff (phase Pending, attempts
 * n+1, a fresh pod through the provisioner) or, with {@code spec.retries} used up, the build fails with BuilderLost.
 */
@ApplicationScoped
public class BuilderLoss {

    private final BuilderProvisioner provisioner;
    private final BuildRunner runner;
    private final CapacityLedger ledger;
    private final RetryBackoff backoff;
    private final BuildFinisher finisher;

    public BuilderLoss(BuilderProvisioner provisioner, BuildRunner runner, CapacityLedger ledger,
            RetryBackoff backoff, BuildFinisher finisher) {
        this.provisioner = provisioner;
        this.runner = runner;
        this.ledger = ledger;
        this.backoff = backoff;
        this.finisher = finisher;
    }

    public StepOutcome lost(StepContext context, String why) {
        NixBuildStatus status = context.status();
        int attempt = currentAttempt(status);
        int maxAttempts = maxAttempts(context);
        runner.cancel(new RunKey(context.build().getMetadata().getUid(), attempt));
        String buildKey = SchedulingInputs.key(context.build());
        // the slot goes back before the pod: the pod's deletion wakes the builds waiting for that slot. The builder is
        // retired (no build gets it again); an ephemeral one is deleted now, a reusable one by its pool once the
        // other builds it runs are done
        ledger.release(context.namespace(), buildKey, status.getBuilder(), true, context.now());
        if (status.getBuilder() != null && isEphemeralPool(context)) {
            String pod = status.getBuilder();
            // its pod may be gone, its Secret is not: deleted with it
            ledger.deleteOnce(context.namespace(), pod, context.now(), () -> provisioner.delete(context.namespace(),
                    pod));
        }
        if (attempt >= maxAttempts) {
            String message = why + "; no retries left (" + attempt + " of " + maxAttempts + " attempts used)";
            Transitions.builderLostForGood(context, message, finisher.tail(context));
            return StepOutcome.next();
        }
        Duration delay = backoff.hold(buildKey, attempt, context.now());
        String message = why + "; attempt " + (attempt + 1) + " of " + maxAttempts + " starts on a fresh builder in "
                + delay.toMillis() / 1000.0 + "s";
        Transitions.builderLost(context, message, attempt + 1);
        return StepOutcome.requeue(delay);
    }

    /** A pool deleted meanwhile counts as ephemeral: nobody else would delete its builder. */
    static boolean isEphemeralPool(StepContext context) {
        return isEphemeralPool(context, context.status().getMachine());
    }

    /** Whether pool {@code machine} deletes a builder after its build; a pool that is gone is taken as ephemeral. */
    static boolean isEphemeralPool(StepContext context, String machine) {
        return context.cluster().snapshot(context.namespace()).machine(machine)
                .map(SchedulingInputs::isEphemeral)
                .orElse(true);
    }

    static int currentAttempt(NixBuildStatus status) {
        return status.getAttempts() != null && status.getAttempts() > 0 ? status.getAttempts() : 1;
    }

    static int maxAttempts(StepContext context) {
        Integer retries = context.build().getSpec().getRetries();
        return (retries != null ? retries : 2) + 1;
    }
}

package dev.nixpool.lifecycle;

import java.time.Duration;

import jakarta.enterprise.context.ApplicationScoped;

import dev.nixpool.api.v1alpha1.NixBuildStatus;
import dev.nixpool.runner.BuildRunner;
import dev.nixpool.runner.RunKey;

/**
 * A builder was lost (its pod vanished or ended, or the session broke in a way a fresh builder may not): the attempt is
 * stopped and its pod and Secret deleted; then either a new attempt follows after a backoff (phase Pending, attempts
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
        String buildKey = SchedulingInputs.request(context.build()).key();
        // the slot goes back before the pod: the pod's deletion wakes the builds waiting for that slot
        ledger.release(buildKey);
        if (status.getBuilder() != null) {
            provisioner.delete(context.namespace(), status.getBuilder());
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

    static int currentAttempt(NixBuildStatus status) {
        return status.getAttempts() != null && status.getAttempts() > 0 ? status.getAttempts() : 1;
    }

    static int maxAttempts(StepContext context) {
        Integer retries = context.build().getSpec().getRetries();
        return (retries != null ? retries : 2) + 1;
    }
}

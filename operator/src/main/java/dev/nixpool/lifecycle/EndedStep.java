package dev.nixpool.lifecycle;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Singleton;

import dev.nixpool.api.v1alpha1.NixBuildPhase;
import dev.nixpool.config.NixpoolConfig;
import dev.nixpool.runner.BuildRunner;

/**
 * After the final status is written: forget the build's runs and delete its builder if that was ephemeral (a failed
 * build's is kept with {@code nixpool.builder.keep-failed}); a reusable builder stays for the next build of its pool.
 * The step runs at every reconcile of a finished build (its pod's deletion, a resync, a restart), and deletes once: in
 * the reconcile that ended the build, or later only while the cache still shows the pod alive (the build ended in an
 * earlier process, or by a time limit or an error, which end it without this step) and this process has not deleted
 * it (the pool's plan may have: it retires the builder of an ended build too).
 */
@ApplicationScoped
public class EndedStep {

    private final BuilderProvisioner provisioner;
    private final BuildRunner runner;
    private final CapacityLedger ledger;
    private final boolean keepFailed;

    public EndedStep(BuilderProvisioner provisioner, BuildRunner runner, CapacityLedger ledger, NixpoolConfig config) {
        this.provisioner = provisioner;
        this.ledger = ledger;
        this.runner = runner;
        this.keepFailed = config.builder().keepFailed();
    }

    StepOutcome run(StepContext context) {
        runner.end(context.build().getMetadata().getUid());
        String pod = context.status().getBuilder();
        boolean kept = keepFailed && context.status().getPhase() == NixBuildPhase.Failed;
        if (pod != null && !kept && BuilderLoss.isEphemeralPool(context)
                && (context.endedNow() || mayStillExist(context, ledger, pod))) {
            ledger.deleteOnce(context.namespace(), pod, context.now(),
                    () -> provisioner.delete(context.namespace(), pod));
        }
        return StepOutcome.waitForEvents();
    }

    /**
     * Whether the builder of a build that ended before may still be there: its pod in the cache and not being deleted,
     * or one this process started that the cache does not show yet. A pod the cache shows gone took nothing with it:
     * its key Secret went with it if this process deleted it, and one a predecessor left behind is deleted by
     * {@link BuilderProvisioner#deleteOrphanSecrets}.
     */
    static boolean mayStillExist(StepContext context, CapacityLedger ledger, String pod) {
        return context.cluster().builderPod(context.namespace(), pod)
                .map(p -> p.getMetadata().getDeletionTimestamp() == null)
                .orElseGet(() -> ledger.decidedHere(context.namespace(), pod));
    }

    /** The step of a final phase (singletons: a normal-scoped bean would need a no-args constructor for its proxy). */
    abstract static class Final implements LifecycleStep {

        private final EndedStep ended;
        private final NixBuildPhase phase;

        Final(EndedStep ended, NixBuildPhase phase) {
            this.ended = ended;
            this.phase = phase;
        }

        @Override
        public NixBuildPhase phase() {
            return phase;
        }

        @Override
        public StepOutcome run(StepContext context) {
            return ended.run(context);
        }
    }

    @Singleton
    public static class Succeeded extends Final {

        public Succeeded(EndedStep ended) {
            super(ended, NixBuildPhase.Succeeded);
        }
    }

    @Singleton
    public static class Failed extends Final {

        public Failed(EndedStep ended) {
            super(ended, NixBuildPhase.Failed);
        }
    }
}

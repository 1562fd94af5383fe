package dev.nixpool.lifecycle;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Singleton;

import dev.nixpool.api.v1alpha1.NixBuildPhase;
import dev.nixpool.config.NixpoolConfig;
import dev.nixpool.runner.BuildRunner;

/**
 * After the final status is written: forget the build's runs and delete its builder if that was ephemeral (a failed
 * build's is kept with {@code nixpool.builder.keep-failed}); a reusable builder stays for the next build of its pool.
 * Idempotent: what is gone stays gone.
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
        if (pod != null && !kept && BuilderLoss.isEphemeralPool(context)) {
            provisioner.delete(context.namespace(), pod);
            ledger.deleted(context.namespace(), pod, context.now());
        }
        return StepOutcome.waitForEvents();
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

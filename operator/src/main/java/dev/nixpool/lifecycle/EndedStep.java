package dev.nixpool.lifecycle;

import jakarta.enterprise.context.ApplicationScoped;

import dev.nixpool.api.v1alpha1.NixBuildPhase;
import dev.nixpool.runner.BuildRunner;

/**
 * After the final status is written: forget the build's runs and delete its builder pods and key Secrets (a failed
 * build's are kept with {@code nixpool.builder.keep-failed}). Idempotent: what is gone stays gone.
 */
@ApplicationScoped
public class EndedStep {

    private final BuilderProvisioner provisioner;
    private final BuildRunner runner;
    private final boolean keepFailed;

    public EndedStep(BuilderProvisioner provisioner, BuildRunner runner, dev.nixpool.config.NixpoolConfig config) {
        this.provisioner = provisioner;
        this.runner = runner;
        this.keepFailed = config.builder().keepFailed();
    }

    StepOutcome run(StepContext context) {
        runner.end(context.build().getMetadata().getUid());
        if (!(keepFailed && context.status().getPhase() == NixBuildPhase.Failed)) {
            provisioner.deleteAll(context.build());
        }
        return StepOutcome.waitForEvents();
    }

    /** Succeeded. */
    @ApplicationScoped
    public static class Succeeded implements LifecycleStep {

        private final EndedStep ended;

        public Succeeded(EndedStep ended) {
            this.ended = ended;
        }

        @Override
        public NixBuildPhase phase() {
            return NixBuildPhase.Succeeded;
        }

        @Override
        public StepOutcome run(StepContext context) {
            return ended.run(context);
        }
    }

    /** Failed. */
    @ApplicationScoped
    public static class Failed implements LifecycleStep {

        private final EndedStep ended;

        public Failed(EndedStep ended) {
            this.ended = ended;
        }

        @Override
        public NixBuildPhase phase() {
            return NixBuildPhase.Failed;
        }

        @Override
        public StepOutcome run(StepContext context) {
            return ended.run(context);
        }
    }
}

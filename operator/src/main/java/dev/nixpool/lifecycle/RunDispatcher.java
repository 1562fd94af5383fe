package dev.nixpool.lifecycle;

import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import io.fabric8.kubernetes.api.model.Pod;

import dev.nixpool.api.v1alpha1.BuildMachine;
import dev.nixpool.api.v1alpha1.BuildMachineSpec;
import dev.nixpool.api.v1alpha1.BuildOrigin;
import dev.nixpool.api.v1alpha1.NixBuild;
import dev.nixpool.api.v1alpha1.NixBuildSpec;
import dev.nixpool.config.NixpoolConfig;
import dev.nixpool.nix.build.BuildOptions;
import dev.nixpool.remote.BuildSource;
import dev.nixpool.remote.BuilderAddress;
import dev.nixpool.remote.BuilderCredentials;
import dev.nixpool.remote.NixSettings;
import dev.nixpool.runner.AttachedRuns;
import dev.nixpool.runner.BuildRunner;
import dev.nixpool.runner.DerivationFit;
import dev.nixpool.runner.RunKey;
import dev.nixpool.runner.RunRequest;

/** Hands the current attempt of a build to the runner, with what it needs from the cluster: address, keys, pool. */
@ApplicationScoped
public class RunDispatcher {

    private static final Logger LOG = Logger.getLogger(RunDispatcher.class);

    private final BuilderProvisioner provisioner;
    private final BuildRunner runner;
    private final String sshUser;
    private final int sshPort;
    private final AttachedRuns attached;

    @Inject
    public RunDispatcher(BuilderProvisioner provisioner, BuildRunner runner, NixpoolConfig config,
            AttachedRuns attached) {
        this(provisioner, runner, config.builder().sshUser(), config.builder().sshPort(), attached);
    }

    public RunDispatcher(BuilderProvisioner provisioner, BuildRunner runner, NixpoolConfig config) {
        this(provisioner, runner, config, new AttachedRuns());
    }

    public RunDispatcher(BuilderProvisioner provisioner, BuildRunner runner, String sshUser, int sshPort) {
        this(provisioner, runner, sshUser, sshPort, new AttachedRuns());
    }

    public RunDispatcher(BuilderProvisioner provisioner, BuildRunner runner, String sshUser, int sshPort,
            AttachedRuns attached) {
        this.provisioner = provisioner;
        this.runner = runner;
        this.sshUser = sshUser;
        this.sshPort = sshPort;
        this.attached = attached;
    }

    public static RunKey key(StepContext context) {
        return new RunKey(context.build().getMetadata().getUid(), BuilderLoss.currentAttempt(context.status()));
    }

    /**
     * Dispatches the attempt to its Ready pod unless a run of it exists. Empty when dispatched (or already running);
     * otherwise why it cannot be: the key Secret is gone.
     */
    public Optional<String> dispatch(StepContext context, Pod pod) {
        String podName = pod.getMetadata().getName();
        Optional<BuilderCredentials> credentials = provisioner.credentials(context.namespace(), podName);
        if (credentials.isEmpty()) {
            return Optional.of("the key Secret of builder pod " + podName + " is missing or incomplete");
        }
        NixBuild build = context.build();
        RunKey key = key(context);
        RunRequest request = new RunRequest(key, context.namespace(), build.getMetadata().getName(),
                new BuilderAddress(pod.getStatus().getPodIP(), sshPort, sshUser), credentials.get(),
                source(build.getSpec()), options(build.getSpec()), fit(context), nixSettings(build.getSpec()),
                context.namespace() + "/" + context.status().getMachine(), reusable(context));
        if (BuildOrigin.isGateway(build)) {
            // the client's connection drives this build; the operator only hands it the builder
            runner.handOff(request, attached.driver(context.namespace(), build.getMetadata().getName()));
        } else {
            runner.dispatch(request);
        }
        LOG.debugf("dispatched NixBuild %s/%s attempt %d to builder pod %s", context.namespace(),
                build.getMetadata().getName(), key.attempt(), podName);
        return Optional.empty();
    }

    /** Whether the build's pool reuses its builders; a pool deleted meanwhile is taken as ephemeral. */
    private static boolean reusable(StepContext context) {
        String machineName = context.status().getMachine();
        return context.cluster().snapshot(context.namespace()).machine(machineName)
                .map(machine -> !SchedulingInputs.isEphemeral(machine))
                .orElse(false);
    }

    /** The build's own substituters and keys travel on its session (the pool's are in its builders' nix.conf). */
    static NixSettings nixSettings(NixBuildSpec spec) {
        return NixSettings.of(spec.getSubstituters(), spec.getTrustedPublicKeys());
    }

    static BuildSource source(NixBuildSpec spec) {
        if (spec.getDerivation() != null) {
            return new BuildSource.DerivationPath(spec.getDerivation());
        }
        if (spec.getExpression() != null) {
            return new BuildSource.Expression(spec.getExpression());
        }
        return new BuildSource.Flake(spec.getFlake());
    }

    static BuildOptions options(NixBuildSpec spec) {
        BuildOptions options = BuildOptions.DEFAULTS;
        if (spec.getTimeoutSeconds() != null) {
            options = options.withBuildTimeout(spec.getTimeoutSeconds());
        }
        if (spec.getMaxSilentSeconds() != null) {
            options = options.withMaxSilentTime(spec.getMaxSilentSeconds());
        }
        return options;
    }

    private static DerivationFit fit(StepContext context) {
        NixBuildSpec spec = context.build().getSpec();
        String machineName = context.status().getMachine();
        Optional<BuildMachineSpec> pool = context.cluster().snapshot(context.namespace()).machines().stream()
                .filter(m -> m.getMetadata().getName().equals(machineName))
                .map(BuildMachine::getSpec)
                .findFirst();
        // a pool deleted mid-build no longer says what it offers: hold the derivation to the spec alone
        List<String> systems = pool.map(BuildMachineSpec::getSystems).orElse(List.of(spec.getSystem()));
        Set<String> features = new HashSet<>(pool.isPresent() ? List.of() : orEmpty(spec.getRequiredSystemFeatures()));
        pool.ifPresent(p -> {
            features.addAll(orEmpty(p.getSupportedFeatures()));
            features.addAll(orEmpty(p.getMandatoryFeatures()));
        });
        return new DerivationFit(spec.getSystem(), new HashSet<>(orEmpty(spec.getRequiredSystemFeatures())),
                machineName, orEmpty(systems), features);
    }

    private static <T> List<T> orEmpty(List<T> list) {
        return list != null ? list : List.of();
    }
}

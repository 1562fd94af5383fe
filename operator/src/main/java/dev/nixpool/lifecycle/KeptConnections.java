package dev.nixpool.lifecycle;

import java.util.List;
import java.util.Optional;
import java.util.function.BiConsumer;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.fabric8.kubernetes.api.model.Pod;

import dev.nixpool.api.v1alpha1.BuildMachine;
import dev.nixpool.config.NixpoolConfig;
import dev.nixpool.remote.BuilderAddress;
import dev.nixpool.runner.BuildRunner;
import dev.nixpool.runner.KeptBuilder;

/**
 * Tells the runner which of a pool's builders to keep connected: its Ready ones that take builds. Builders that went
 * away, were retired (an ephemeral one after its build) or are being drained are no longer named, and their
 * connections close once no build uses them.
 */
@ApplicationScoped
public class KeptConnections {

    private final BuildRunner runner;
    private final BuilderProvisioner provisioner;
    private final String sshUser;
    private final int sshPort;

    @Inject
    public KeptConnections(BuildRunner runner, BuilderProvisioner provisioner, CapacityLedger ledger,
            NixpoolConfig config) {
        this(runner, provisioner, config.builder().sshUser(), config.builder().sshPort());
        ledger.warmingBy(this::warming);
    }

    public KeptConnections(BuildRunner runner, BuilderProvisioner provisioner, String sshUser, int sshPort) {
        this.runner = runner;
        this.provisioner = provisioner;
        this.sshUser = sshUser;
        this.sshPort = sshPort;
    }

    /** True while the kept connection to this Ready builder pod is being made: a build on it would wait for that. */
    public boolean warming(Pod pod) {
        return address(pod).map(runner::warming).orElse(false);
    }

    /**
     * From now on, {@code pool} hears (namespace, name) of the pool whose builder's warming ended: its idle count and
     * placement preference change.
     */
    public void onWarmed(BiConsumer<String, String> pool) {
        runner.onWarmed(scope -> {
            int slash = scope.indexOf('/');
            pool.accept(scope.substring(0, slash), scope.substring(slash + 1));
        });
    }

    private Optional<BuilderAddress> address(Pod pod) {
        return pod.getStatus() != null && pod.getStatus().getPodIP() != null
                ? Optional.of(new BuilderAddress(pod.getStatus().getPodIP(), sshPort, sshUser))
                : Optional.empty();
    }

    public void keep(BuildMachine machine, List<Pod> ready) {
        String namespace = machine.getMetadata().getNamespace();
        boolean reusable = !SchedulingInputs.isEphemeral(machine);
        List<KeptBuilder> builders = ready.stream()
                .filter(pod -> pod.getStatus() != null && pod.getStatus().getPodIP() != null)
                .map(pod -> new KeptBuilder(new BuilderAddress(pod.getStatus().getPodIP(), sshPort, sshUser),
                        pod.getMetadata().getName(), reusable))
                .toList();
        runner.keepConnected(namespace + "/" + machine.getMetadata().getName(), builders,
                builder -> provisioner.credentials(namespace, builder.pod()));
    }
}

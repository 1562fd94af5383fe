package dev.nixpool.gatewayops;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

import org.jboss.logging.Logger;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

import dev.nixpool.api.v1alpha1.BuildOutput;
import dev.nixpool.api.v1alpha1.NixBuild;
import dev.nixpool.api.v1alpha1.NixBuildStatus;
import dev.nixpool.gateway.BrokerException;
import dev.nixpool.gateway.BuildOutcome;
import dev.nixpool.gateway.BuildTicket;
import dev.nixpool.gateway.BuilderLease;
import dev.nixpool.gateway.GatewayBuild;
import dev.nixpool.nix.build.BuiltOutput;
import dev.nixpool.nix.derivation.DerivationOutput;
import dev.nixpool.nix.serve.PathInfo;
import dev.nixpool.runner.AttachedRun;
import dev.nixpool.runner.AttachedRuns;
import dev.nixpool.runner.RunDriver;
import dev.nixpool.runner.RunRequest;
import dev.nixpool.status.Reason;

/**
 * A client build as the operator sees it: a NixBuild whose run the client's connection drives. The operator hands the
 * run over ({@link RunDriver}) once the build's builder is Ready; the connection then reports to it, and its end
 * (client gone, result copied) ends the run, which frees the builder.
 */
final class GatewayTicket implements BuildTicket, RunDriver {

    private static final Logger LOG = Logger.getLogger(GatewayTicket.class);

    private record Assignment(RunRequest request, AttachedRun run) {
    }

    private final KubernetesClient client;
    private final AttachedRuns attached;
    private final String namespace;
    private final String name;
    private final GatewayBuild build;
    private final TicketSettings settings;
    private final CompletableFuture<Assignment> assignment = new CompletableFuture<>();
    private final List<Consumer<String>> cancels = new CopyOnWriteArrayList<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile BuildOutcome outcome;
    private volatile String failure;

    GatewayTicket(KubernetesClient client, AttachedRuns attached, String namespace, String name, GatewayBuild build,
            TicketSettings settings) {
        this.client = client;
        this.attached = attached;
        this.namespace = namespace;
        this.name = name;
        this.build = build;
        this.settings = settings;
    }

    @Override
    public String description() {
        return "NixBuild " + namespace + "/" + name;
    }

    @Override
    public void assigned(RunRequest request, AttachedRun run) {
        if (closed.get()) {
            run.failed(Reason.CANCELLED, "the Nix client disconnected before the build got its builder");
            return;
        }
        if (run.onCancel(this::cancelled)) {
            assignment.complete(new Assignment(request, run));
        }
    }

    private void cancelled() {
        String why = "the operator ended the build on its builder (builder lost, build timed out or deleted); see"
                + " kubectl describe nixbuild -n " + namespace + " " + name;
        cancels.forEach(c -> c.accept(why));
    }

    @Override
    public BuilderLease awaitBuilder(Consumer<String> waiting) throws BrokerException, InterruptedException {
        String last = null;
        while (true) {
            try {
                Assignment a = assignment.get(settings.queuePoll().toMillis(), TimeUnit.MILLISECONDS);
                return lease(a);
            } catch (TimeoutException e) {
                NixBuild nb = get();
                if (nb == null) {
                    throw new BrokerException(description() + " was deleted before it got a builder");
                }
                NixBuildStatus status = nb.getStatus();
                if (status != null && status.getPhase() != null && status.getPhase().isFinal()) {
                    throw new BrokerException(description() + " ended " + status.getPhase()
                            + " before it got a builder: " + message(status));
                }
                String now = progress(status);
                if (!now.equals(last)) {
                    waiting.accept(now);
                    last = now;
                }
            } catch (ExecutionException e) {
                throw new BrokerException("the connection closed while " + description() + " waited for a builder");
            }
        }
    }

    private BuilderLease lease(Assignment a) {
        NixBuild nb = get();
        String pod = nb != null && nb.getStatus() != null && nb.getStatus().getBuilder() != null
                ? nb.getStatus().getBuilder()
                : a.request().address().host();
        return new BuilderLease(namespace + "/" + pod, a.request().address().host(), a.request().address().port(),
                a.request().address().user(), a.request().credentials().clientPrivateKey(),
                a.request().credentials().hostPublicKey());
    }

    @Override
    public void connected(String description) {
        Assignment a = assignment.getNow(null);
        if (a != null) {
            a.run().connected(description);
            a.run().derivation(build.drvPath().toString());
        }
    }

    @Override
    public void log(String line) {
        Assignment a = assignment.getNow(null);
        if (a != null) {
            a.run().line(line);
        }
    }

    @Override
    public void onCancel(Consumer<String> onCancel) {
        cancels.add(onCancel);
    }

    @Override
    public void finished(BuildOutcome outcome) {
        this.outcome = outcome;
    }

    @Override
    public void failed(String message) {
        this.failure = message;
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        attached.unregister(namespace, name);
        Assignment a = assignment.getNow(null);
        if (a == null) {
            assignment.completeExceptionally(new IllegalStateException("closed"));
            // nothing ran: the build would only take a builder nobody uses
            try {
                client.resources(NixBuild.class).inNamespace(namespace).withName(name).delete();
                LOG.infof("%s deleted: its Nix client disconnected before it got a builder", description());
            } catch (KubernetesClientException e) {
                LOG.warnf("cannot delete %s after its client disconnected: %s", description(), e.getMessage());
            }
            return;
        }
        BuildOutcome done = outcome;
        if (done != null) {
            a.run().completed(done.result(), outputs(done));
        } else if (failure != null) {
            a.run().failed(Reason.BUILDER_LOST, failure);
        } else {
            a.run().failed(Reason.CANCELLED, "the Nix client disconnected before the build finished");
        }
    }

    private List<BuildOutput> outputs(BuildOutcome done) {
        List<BuildOutput> outputs = new ArrayList<>();
        for (PathInfo info : done.outputs()) {
            String path = info.path().toString();
            String output = "out";
            for (Map.Entry<String, DerivationOutput> o : build.derivation().outputs().entrySet()) {
                if (o.getValue().path().equals(path)) {
                    output = o.getKey();
                }
            }
            for (BuiltOutput b : done.result().builtOutputs().values()) {
                if (b.outPath().equals(path)) {
                    output = b.outputName();
                }
            }
            outputs.add(new BuildOutput(output, path, info.narHash().toPrefixedNix32(), info.narSize()));
        }
        return outputs;
    }

    private NixBuild get() {
        try {
            return client.resources(NixBuild.class).inNamespace(namespace).withName(name).get();
        } catch (KubernetesClientException e) {
            LOG.debugf("cannot read %s: %s", description(), e.getMessage());
            return new NixBuild();
        }
    }

    private static String progress(NixBuildStatus status) {
        if (status == null || status.getPhase() == null) {
            return "waiting for the operator";
        }
        StringBuilder text = new StringBuilder(status.getPhase().toString());
        if (status.getQueuePosition() != null) {
            text.append(", queue position ").append(status.getQueuePosition());
        }
        if (status.getBuilder() != null) {
            text.append(", builder ").append(status.getBuilder());
        }
        String latest = message(status);
        if (!latest.isEmpty()) {
            text.append(": ").append(latest);
        }
        return text.toString();
    }

    private static String message(NixBuildStatus status) {
        String message = "";
        String time = "";
        for (Condition c : status.getConditions()) {
            String t = c.getLastTransitionTime() != null ? c.getLastTransitionTime() : "";
            if (c.getMessage() != null && t.compareTo(time) >= 0) {
                message = c.getMessage();
                time = t;
            }
        }
        return message;
    }
}

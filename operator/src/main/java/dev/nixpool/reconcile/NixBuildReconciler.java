package dev.nixpool.reconcile;

import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.IndexerResourceCache;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;

import dev.nixpool.Names;
import dev.nixpool.Names.Reasons;
import dev.nixpool.api.v1alpha1.BuildMachine;
import dev.nixpool.api.v1alpha1.NixBuild;
import dev.nixpool.api.v1alpha1.NixBuildPhase;
import dev.nixpool.api.v1alpha1.NixBuildStatus;
import dev.nixpool.lifecycle.BuilderPods;
import dev.nixpool.lifecycle.CapacityLedger;
import dev.nixpool.lifecycle.NixBuildLifecycle;
import dev.nixpool.lifecycle.SchedulingInputs;
import dev.nixpool.lifecycle.StepContext;
import dev.nixpool.lifecycle.StepOutcome;
import dev.nixpool.validation.SpecValidation;

/**
 * Thin: checks what the schema cannot, runs the lifecycle step of the build's phase, writes the status once and
 * publishes the step's Events. Pending builds are woken by events (a BuildMachine appears or changes, a builder pod goes
 * away) with a periodic requeue as a safety net.
 */
@ControllerConfiguration(name = NixBuildReconciler.NAME, finalizerName = Names.FINALIZER)
public class NixBuildReconciler implements Reconciler<NixBuild>, Cleaner<NixBuild> {

    public static final String NAME = "nixbuild";

    private final NixBuildLifecycle lifecycle;
    private final CapacityLedger ledger;
    private final EventRecorder events;
    private final KubernetesClient client;

    public NixBuildReconciler(NixBuildLifecycle lifecycle, CapacityLedger ledger, EventRecorder events,
            KubernetesClient client) {
        this.lifecycle = lifecycle;
        this.ledger = ledger;
        this.events = events;
        this.client = client;
    }

    @Override
    public List<EventSource<?, NixBuild>> prepareEventSources(EventSourceContext<NixBuild> context) {
        IndexerResourceCache<NixBuild> builds = context.getPrimaryCache();
        InformerEventSource<BuildMachine, NixBuild> machines = new InformerEventSource<>(
                InformerEventSourceConfiguration.from(BuildMachine.class, NixBuild.class)
                        .withSecondaryToPrimaryMapper(
                                machine -> waitingIn(builds, machine.getMetadata().getNamespace()))
                        .build(),
                context);
        InformerEventSource<Pod, NixBuild> pods = new InformerEventSource<>(
                InformerEventSourceConfiguration.from(Pod.class, NixBuild.class)
                        .withLabelSelector(Names.BUILDER_SELECTOR)
                        .withSecondaryToPrimaryMapper(pod -> ownerAndWaiting(builds, pod))
                        .build(),
                context);
        return List.of(machines, pods);
    }

    @Override
    public UpdateControl<NixBuild> reconcile(NixBuild build, Context<NixBuild> context) {
        NixBuildStatus status = StatusWriter.workingCopy(context, build, new NixBuildStatus());
        StepContext step = new StepContext(build, status, new InformerClusterView(context), Instant.now());
        StepOutcome outcome = notYetScheduled(status) ? validateThenRun(step) : lifecycle.run(step);
        if (status.getPhase() == null) {
            status.setPhase(NixBuildPhase.Pending);
        }
        status.setObservedGeneration(build.getMetadata().getGeneration());
        StatusWriter.writeIfChanged(context, build, status);
        step.events().forEach(event -> {
            if (event.warning()) {
                events.warning(build, event.reason(), event.message());
            } else {
                events.normal(build, event.reason(), event.message());
            }
        });
        if (status.getPhase().isFinal()) {
            ledger.release(key(build));
        }
        UpdateControl<NixBuild> control = UpdateControl.noUpdate();
        return outcome.requeueAfter().map(delay -> control.rescheduleAfter(delay)).orElse(control);
    }

    /** The mock and real cluster alike: delete the build's pods and Secrets ourselves instead of trusting a GC. */
    @Override
    public DeleteControl cleanup(NixBuild build, Context<NixBuild> context) {
        String namespace = build.getMetadata().getNamespace();
        String buildLabel = Names.labelValue(build.getMetadata().getName());
        String uid = build.getMetadata().getUid();
        List<Pod> pods = client.pods().inNamespace(namespace).withLabel(Names.LABEL_BUILD, buildLabel).list()
                .getItems();
        List<Secret> secrets = client.secrets().inNamespace(namespace).withLabel(Names.LABEL_BUILD, buildLabel).list()
                .getItems();
        Stream.concat(pods.stream(), secrets.stream())
                .filter(owned -> BuilderPods.isOwnedBy(owned, uid))
                .forEach(owned -> client.resource((HasMetadata) owned).delete());
        ledger.release(key(build));
        return DeleteControl.defaultDelete();
    }

    private StepOutcome validateThenRun(StepContext step) {
        List<String> problems = SpecValidation.problems(step.build().getSpec());
        if (problems.isEmpty()) {
            return lifecycle.run(step);
        }
        String message = "the spec is invalid: " + String.join("; ", problems);
        step.status().setPhase(NixBuildPhase.Pending);
        if (step.condition(Names.CONDITION_SCHEDULED, false, Reasons.INVALID_SPEC, message)) {
            step.warningEvent(Reasons.INVALID_SPEC, message);
        }
        return StepOutcome.waitForEvents();
    }

    private static boolean notYetScheduled(NixBuildStatus status) {
        return status.getPhase() == null || status.getPhase() == NixBuildPhase.Pending;
    }

    /** A new or changed pool may take any waiting build of its namespace. */
    private static Set<ResourceID> waitingIn(IndexerResourceCache<NixBuild> builds, String namespace) {
        return builds.list(namespace, SchedulingInputs::isWaiting)
                .map(ResourceID::fromResource)
                .collect(Collectors.toCollection(HashSet::new));
    }

    /** A builder pod's news concerns its own build; its end frees a slot for the waiting builds of its namespace. */
    private static Set<ResourceID> ownerAndWaiting(IndexerResourceCache<NixBuild> builds, Pod pod) {
        String namespace = pod.getMetadata().getNamespace();
        Set<ResourceID> targets = waitingIn(builds, namespace);
        builds.list(namespace, build -> BuilderPods.isOwnedBy(pod, build.getMetadata().getUid()))
                .map(ResourceID::fromResource)
                .forEach(targets::add);
        return targets;
    }

    private static String key(NixBuild build) {
        return build.getMetadata().getNamespace() + "/" + build.getMetadata().getName();
    }
}

package dev.nixpool.reconcile;

import java.net.HttpURLConnection;

import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.reconciler.Context;

import dev.nixpool.Names;
import dev.nixpool.api.v1alpha1.NixBuild;

/** The operator's finalizer on a NixBuild, added by the reconciler itself (see {@link BuildDeletions}). */
final class Finalizer {

    private Finalizer() {
    }

    /**
     * Adds it with one JSON patch on {@code current} (the build as the reconcile's status write left it, so no
     * conflict with that write), kept in JOSDK's cache for the next reconcile. A build changed or deleted meanwhile is
     * left alone: its next reconcile adds it, and a deleted one is cleaned up by its delete event.
     */
    static void add(Context<NixBuild> context, NixBuild current) {
        if (current.hasFinalizer(Names.FINALIZER) || current.isMarkedForDeletion()) {
            return;
        }
        try {
            context.resourceOperations().jsonPatchPrimary(current, build -> {
                build.addFinalizer(Names.FINALIZER);
                return build;
            });
        } catch (KubernetesClientException e) {
            int code = e.getCode();
            if (code != HttpURLConnection.HTTP_NOT_FOUND && code != HttpURLConnection.HTTP_CONFLICT && code != 422) {
                throw e;
            }
        }
    }
}

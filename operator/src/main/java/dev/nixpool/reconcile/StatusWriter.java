package dev.nixpool.reconcile;

import java.util.Optional;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.javaoperatorsdk.operator.api.reconciler.Context;

import dev.nixpool.status.StatusBounds;

/**
 * Writes a primary's status only when it changed, as a whole-status update (PUT on the status subresource) guarded by
 * the resourceVersion the reconcile read. Chosen over JOSDK's default server-side apply, which the Fabric8 mock server
 * cannot serve, over JSON merge patch, whose list handling the mock gets wrong (it appends to conditions instead of
 * replacing them), and over a computed JSON Patch, which fails whenever the cached object and the server's differ in
 * shape. A stale read gets a 409 and JOSDK retries the reconcile with fresh data: never a lost update. JOSDK keeps the
 * written object in its cache, so the next reconcile sees this status even if the watch event is late. Every string
 * of the status is bounded first ({@link StatusBounds}).
 */
final class StatusWriter {

    private StatusWriter() {
    }

    static <S, P extends CustomResource<?, S>> S workingCopy(Context<P> context, P primary, S empty) {
        S status = primary.getStatus();
        return status != null ? serialization(context).clone(status) : empty;
    }

    static <S, P extends CustomResource<?, S>> boolean writeIfChanged(Context<P> context, P primary, S status) {
        return written(context, primary, status).isPresent();
    }

    /** As {@link #writeIfChanged}; the primary as the API server answered the write, empty when nothing changed. */
    static <S, P extends CustomResource<?, S>> Optional<P> written(Context<P> context, P primary, S status) {
        if (!changes(context, primary, status)) {
            return Optional.empty();
        }
        return Optional.of(write(context, primary, status));
    }

    /** Writes a status {@link #changes} found changed; the primary as the API server answered. */
    static <S, P extends CustomResource<?, S>> P write(Context<P> context, P primary, S status) {
        return context.resourceOperations().updatePrimaryStatus(forWrite(primary, status));
    }

    /** Whether writing this status (bounded first) would change what the primary shows. */
    static <S, P extends CustomResource<?, S>> boolean changes(Context<P> context, P primary, S status) {
        KubernetesSerialization serialization = serialization(context);
        StatusBounds.apply(status);
        return primary.getStatus() == null
                || !serialization.asJson(primary.getStatus()).equals(serialization.asJson(status));
    }

    /**
     * What is written: a new object with the primary's metadata (copied), its spec and the new status. The cached
     * primary itself must not change before the write succeeds; a JSON round trip of the whole object (the earlier
     * clone) cost more than the rest of a waiting build's reconcile besides the write itself.
     */
    @SuppressWarnings("unchecked")
    static <S, P extends CustomResource<?, S>> P forWrite(P primary, S status) {
        P copy;
        try {
            copy = (P) primary.getClass().getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(primary.getClass().getName() + " has no public no-argument constructor",
                    e);
        }
        copy.setMetadata(new ObjectMetaBuilder(primary.getMetadata()).build());
        ((CustomResource<Object, S>) copy).setSpec(primary.getSpec());
        copy.setStatus(status);
        return copy;
    }

    private static KubernetesSerialization serialization(Context<?> context) {
        return context.getClient().getKubernetesSerialization();
    }
}

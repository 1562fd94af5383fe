package dev.nixpool.reconcile;

import java.net.HttpURLConnection;
import java.util.Optional;

import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.reconciler.RetryInfo;

/** What a failed reconcile of a NixBuild means for the build. */
final class ReconcileErrors {

    enum Verdict {
        /** A stale read (409 on the status write): nothing is wrong, the retry reads fresh data. */
        RETRY_QUIETLY,
        /** Something failed; JOSDK's retries may get past it. */
        RETRY,
        /** The retries are used up (or there are none): the lifecycle cannot handle this error. */
        GIVE_UP
    }

    private ReconcileErrors() {
    }

    static Verdict verdict(Exception error, Optional<RetryInfo> retry) {
        if (error instanceof KubernetesClientException e && e.getCode() == HttpURLConnection.HTTP_CONFLICT) {
            return Verdict.RETRY_QUIETLY;
        }
        return retry.map(RetryInfo::isLastAttempt).orElse(true) ? Verdict.GIVE_UP : Verdict.RETRY;
    }
}

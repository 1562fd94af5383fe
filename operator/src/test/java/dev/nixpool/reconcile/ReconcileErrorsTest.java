package dev.nixpool.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.reconciler.RetryInfo;

class ReconcileErrorsTest {

    private static Optional<RetryInfo> attempt(int count, boolean last) {
        return Optional.of(new RetryInfo() {
            @Override
            public int getAttemptCount() {
                return count;
            }

            @Override
            public boolean isLastAttempt() {
                return last;
            }
        });
    }

    @Test
    void aStaleStatusWriteIsRetriedQuietlyEvenOnTheLastAttempt() {
        KubernetesClientException conflict = new KubernetesClientException("Operation cannot be fulfilled", 409, null);
        assertThat(ReconcileErrors.verdict(conflict, attempt(1, false)))
                .isEqualTo(ReconcileErrors.Verdict.RETRY_QUIETLY);
        assertThat(ReconcileErrors.verdict(conflict, attempt(5, true)))
                .isEqualTo(ReconcileErrors.Verdict.RETRY_QUIETLY);
    }

    @Test
    void otherErrorsAreRetriedUntilTheRetriesAreUsedUp() {
        Exception error = new KubernetesClientException("etcdserver: request timed out", 500, null);
        assertThat(ReconcileErrors.verdict(error, attempt(1, false))).isEqualTo(ReconcileErrors.Verdict.RETRY);
        assertThat(ReconcileErrors.verdict(error, attempt(5, true))).isEqualTo(ReconcileErrors.Verdict.GIVE_UP);
        assertThat(ReconcileErrors.verdict(new IllegalStateException("a bug"), Optional.empty()))
                .as("without retries").isEqualTo(ReconcileErrors.Verdict.GIVE_UP);
    }
}

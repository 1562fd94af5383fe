package dev.nixpool.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

/** kubectl's -v=6 log read as one latency per request. */
class KubectlRequestsTest {

    @Test
    void eachRequestLineGivesItsMilliseconds() {
        KubectlRequests requests = KubectlRequests.parse(List.of(
                "I1202 01:32:04.785324   17749 loader.go:402] Config loaded from file:  /tmp/kubeconfig",
                "I1202 01:32:04.785324   17749 round_trippers.go:560] GET https://127.0.0.1:3/api?timeout=32s 200 OK"
                        + " in 2 milliseconds",
                "I1202 01:32:04.795324   17749 round_trippers.go:560] GET https://127.0.0.1:3/api/v1/namespaces/s/"
                        + "configmaps/scale-1 404 Not Found in 7 milliseconds",
                "I1202 01:32:04.805324   17749 round_trippers.go:560] POST https://127.0.0.1:3/api/v1/namespaces/s/"
                        + "configmaps?fieldManager=kubectl-client-side-apply 201 Created in 91 milliseconds",
                "configmap/scale-1 created"));
        assertThat(requests.millis()).containsExactly(2, 7, 91);
        assertThat(requests.totalSeconds()).isEqualTo(0.1);
        assertThat(requests.percentile(50)).isEqualTo(7);
        assertThat(requests.percentile(100)).isEqualTo(91);
        assertThat(requests.summary(0.2)).startsWith("3 requests, 0.1 s of waiting for answers (50 % of the run),"
                + " per request p50 7 ms");
    }

    @Test
    void noRequestsIsNotAnError() {
        KubectlRequests requests = KubectlRequests.parse(List.of());
        assertThat(requests.count()).isZero();
        assertThat(requests.percentile(99)).isZero();
    }
}

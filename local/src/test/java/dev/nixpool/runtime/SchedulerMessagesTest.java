package dev.nixpool.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.PodBuilder;

class SchedulerMessagesTest {

    @Test
    void filterFailureReadsAsKubeSchedulersFitError() {
        assertThat(SchedulerMessages.filterFailure(NodeFit.AFFINITY_MISMATCH))
                .isEqualTo("0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector. preemption:"
                        + " 0/1 nodes are available: 1 Preemption is not helpful for scheduling.");
    }

    @Test
    void missingClaimIsAPreFilterFailureWithoutANodeCount() {
        assertThat(SchedulerMessages.claimNotFound("store-0")).isEqualTo("0/1 nodes are available:"
                + " persistentvolumeclaim \"store-0\" not found. preemption: 0/1 nodes are available: 1 Preemption is"
                + " not helpful for scheduling.");
    }

    @Test
    void eventIsTheSchedulersWarning() {
        var pod = new PodBuilder().withNewMetadata().withNamespace("builds").withName("b1").withUid("u-1")
                .withResourceVersion("7").endMetadata().build();
        var event = SchedulingEvents.render(pod, "why", Instant.parse("2026-12-01T10:00:00.123456789Z"),
                "default-scheduler-vm");
        assertThat(event.getMetadata().getName()).isEqualTo("b1." + Long.toHexString(1_796_119_200_123_456_789L));
        assertThat(event.getMetadata().getNamespace()).isEqualTo("builds");
        assertThat(event.getType()).isEqualTo("Warning");
        assertThat(event.getReason()).isEqualTo("FailedScheduling");
        assertThat(event.getMessage()).isEqualTo("why");
        assertThat(event.getAction()).isEqualTo("Scheduling");
        assertThat(event.getReportingComponent()).isEqualTo("default-scheduler");
        assertThat(event.getReportingInstance()).isEqualTo("default-scheduler-vm");
        assertThat(event.getSource().getComponent()).isEqualTo("default-scheduler");
        assertThat(event.getInvolvedObject().getKind()).isEqualTo("Pod");
        assertThat(event.getInvolvedObject().getUid()).isEqualTo("u-1");
        assertThat(event.getEventTime().getTime()).isEqualTo("2026-12-01T10:00:00.123456Z");
        assertThat(event.getFirstTimestamp()).isEqualTo("2026-12-01T10:00:00Z");
        assertThat(event.getCount()).isEqualTo(1);
    }
}

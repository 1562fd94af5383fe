package dev.nixpool.local.apiserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.ZonedDateTime;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectRulesReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectRulesReviewSpecBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaderElectionRecord;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;

/**
 * Leader election against the embedded API server: Leases must behave as on a real API server (a write with a stale
 * resourceVersion is refused with 409 Conflict, or two operators could both think they lead), and the rules review
 * that JOSDK asks for before it elects must say that Leases may be written.
 */
class EmbeddedApiServerLeaseTest {

    private static final String NS = EmbeddedApiServer.DEFAULT_NAMESPACE;

    @RegisterExtension
    static final EmbeddedApiServerExtension API = new EmbeddedApiServerExtension();

    private static Lease lease(String name, String holder) {
        return new LeaseBuilder().withNewMetadata().withName(name).withNamespace(NS).endMetadata().withNewSpec()
                .withHolderIdentity(holder).withLeaseDurationSeconds(15).endSpec().build();
    }

    @Test
    void anUpdateWithAStaleResourceVersionIsAConflict() {
        Lease created = API.client().leases().resource(lease("put-conflict", "a")).create();
        Lease byB = API.client().leases().withName("put-conflict").edit(l -> {
            l.getSpec().setHolderIdentity("b");
            return l;
        });
        assertThat(byB.getMetadata().getResourceVersion()).isNotEqualTo(created.getMetadata().getResourceVersion());

        created.getSpec().setHolderIdentity("c");
        assertThatThrownBy(() -> API.client().leases().resource(created).update())
                .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(409));
        assertThat(API.client().leases().withName("put-conflict").get().getSpec().getHolderIdentity()).isEqualTo("b");
    }

    /** Fabric8's LeaseLock renews and takes over with a JSON merge patch that carries the resourceVersion it read. */
    @Test
    void aMergePatchWithAStaleResourceVersionIsAConflict() {
        Lease created = API.client().leases().resource(lease("patch-conflict", "a")).create();
        API.client().leases().resource(lease("patch-conflict", "b")).patch(PatchContext.of(PatchType.JSON_MERGE));

        Lease stale = lease("patch-conflict", "c");
        stale.getMetadata().setResourceVersion(created.getMetadata().getResourceVersion());
        assertThatThrownBy(() -> API.client().leases().resource(stale).patch(PatchContext.of(PatchType.JSON_MERGE)))
                .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(409));
        assertThat(API.client().leases().withName("patch-conflict").get().getSpec().getHolderIdentity()).isEqualTo("b");
    }

    /** Two candidates read the same record; only the first write of the two wins, as on a real API server. */
    @Test
    void ofTwoCandidatesThatReadTheSameRecordOnlyOneAcquires() {
        LeaseLock first = new LeaseLock(NS, "race", "first");
        LeaseLock second = new LeaseLock(NS, "race", "second");
        ZonedDateTime now = ZonedDateTime.now();
        first.create(API.client(), new LeaderElectionRecord("old", Duration.ofSeconds(15), now, now, 0));

        // each lock remembers the resourceVersion it read and writes with it
        assertThat(first.get(API.client()).getHolderIdentity()).isEqualTo("old");
        assertThat(second.get(API.client()).getHolderIdentity()).isEqualTo("old");
        first.update(API.client(), new LeaderElectionRecord("first", Duration.ofSeconds(15), now, now, 1));
        assertThatThrownBy(() -> second.update(API.client(),
                new LeaderElectionRecord("second", Duration.ofSeconds(15), now, now, 1)))
                .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(409));
        assertThat(first.get(API.client()).getHolderIdentity()).isEqualTo("first");
    }

    /** JOSDK refuses to elect unless a SelfSubjectRulesReview says Leases may be read, created and updated. */
    @Test
    void theRulesReviewAllowsEverything() {
        SelfSubjectRulesReview review = new SelfSubjectRulesReview();
        review.setSpec(new SelfSubjectRulesReviewSpecBuilder().withNamespace(NS).build());
        SelfSubjectRulesReview answer = API.client().resource(review).create();
        assertThat(answer.getStatus().getIncomplete()).isFalse();
        assertThat(answer.getStatus().getResourceRules()).anySatisfy(rule -> {
            assertThat(rule.getApiGroups()).containsExactly("*");
            assertThat(rule.getResources()).containsExactly("*");
            assertThat(rule.getVerbs()).containsExactly("*");
        });
    }
}

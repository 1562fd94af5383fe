package dev.nixpool.logs;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.authentication.TokenReview;
import io.fabric8.kubernetes.api.model.authentication.TokenReviewBuilder;
import io.fabric8.kubernetes.api.model.authentication.UserInfo;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReviewBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

import dev.nixpool.api.v1alpha1.NixBuild;

/**
 * {@link AccessReviews} through the API server: a TokenReview (authentication.k8s.io/v1) and a SubjectAccessReview
 * (authorization.k8s.io/v1). The operator's ServiceAccount needs {@code create} on both (the built-in ClusterRole
 * {@code system:auth-delegator} grants exactly that).
 */
@ApplicationScoped
public class KubernetesAccessReviews implements AccessReviews {

    private final KubernetesClient client;

    public KubernetesAccessReviews(KubernetesClient client) {
        this.client = client;
    }

    @Override
    public Optional<Caller> authenticate(String token) {
        TokenReview review;
        try {
            review = client.resource(new TokenReviewBuilder().withNewSpec().withToken(token).endSpec().build())
                    .create();
        } catch (KubernetesClientException e) {
            throw new Unavailable("the TokenReview failed: " + e.getMessage(), e);
        }
        if (review.getStatus() == null || !Boolean.TRUE.equals(review.getStatus().getAuthenticated())
                || review.getStatus().getUser() == null) {
            return Optional.empty();
        }
        UserInfo user = review.getStatus().getUser();
        return Optional.of(new Caller(user.getUsername(), user.getUid() == null ? "" : user.getUid(),
                user.getGroups() == null ? List.of() : user.getGroups(),
                user.getExtra() == null ? Map.of() : user.getExtra()));
    }

    @Override
    public Verdict mayGetNixBuild(Caller caller, String namespace, String name) {
        SubjectAccessReview review;
        try {
            review = client.resource(new SubjectAccessReviewBuilder().withNewSpec()
                    .withUser(caller.name())
                    .withUid(caller.uid().isEmpty() ? null : caller.uid())
                    .withGroups(caller.groups())
                    .withExtra(caller.extra().isEmpty() ? null : caller.extra())
                    .withNewResourceAttributes()
                    .withVerb("get")
                    .withGroup(HasMetadata.getGroup(NixBuild.class))
                    .withResource(HasMetadata.getPlural(NixBuild.class))
                    .withNamespace(namespace)
                    .withName(name)
                    .endResourceAttributes()
                    .endSpec()
                    .build()).create();
        } catch (KubernetesClientException e) {
            throw new Unavailable("the SubjectAccessReview failed: " + e.getMessage(), e);
        }
        boolean allowed = review.getStatus() != null && Boolean.TRUE.equals(review.getStatus().getAllowed());
        String reason = review.getStatus() == null || review.getStatus().getReason() == null
                ? ""
                : review.getStatus().getReason();
        return new Verdict(allowed, reason);
    }
}

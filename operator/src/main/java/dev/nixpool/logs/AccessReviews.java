package dev.nixpool.logs;

import java.util.Optional;

/**
 * The two questions the log endpoint asks the API server about a caller, as metrics-server and kube-rbac-proxy do:
 * whose token is this (TokenReview), and may they get this NixBuild (SubjectAccessReview).
 */
public interface AccessReviews {

    /** The token's owner, or empty when the API server does not accept it. */
    Optional<Caller> authenticate(String token);

    /** Whether {@code caller} may {@code get} the NixBuild, with the authoriser's reason when it gives one. */
    Verdict mayGetNixBuild(Caller caller, String namespace, String name);

    record Verdict(boolean allowed, String reason) {
    }

    /** The API server could not be asked (down, or the operator lacks the RBAC to create the reviews). */
    final class Unavailable extends RuntimeException {
        public Unavailable(String message, Throwable cause) {
            super(message, cause);
        }
    }
}

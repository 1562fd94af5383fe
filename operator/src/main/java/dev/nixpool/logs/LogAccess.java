package dev.nixpool.logs;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.HexFormat;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import dev.nixpool.config.NixpoolConfig;

/**
 * Who may read a build's log: whoever may {@code get} its NixBuild. The caller's bearer token is reviewed by the API
 * server (TokenReview), the permission decided by it (SubjectAccessReview); answers, yes and no alike, are remembered
 * for {@code nixpool.logs.access-cache-ttl} so a follower polling a log does not cost two reviews a request. Tokens are
 * kept only as SHA-256 digests and never written anywhere.
 */
@ApplicationScoped
public class LogAccess {

    private static final String BEARER = "bearer ";

    private final AccessReviews reviews;
    private final ExpiringCache<String, Optional<Caller>> callers;
    private final ExpiringCache<Question, AccessReviews.Verdict> verdicts;

    @Inject
    public LogAccess(AccessReviews reviews, NixpoolConfig config) {
        this(reviews, config.logs().accessCacheSize(), config.logs().accessCacheTtl(), Clock.systemUTC());
    }

    public LogAccess(AccessReviews reviews, int cacheSize, java.time.Duration ttl, Clock clock) {
        this.reviews = reviews;
        this.callers = new ExpiringCache<>(cacheSize, ttl, clock);
        this.verdicts = new ExpiringCache<>(cacheSize, ttl, clock);
    }

    /** The answer to one request for the log of {@code namespace/name}, given its Authorization header value. */
    public Decision decide(Optional<String> authorization, String namespace, String name) {
        Optional<String> token = authorization.map(String::strip)
                .filter(h -> h.regionMatches(true, 0, BEARER, 0, BEARER.length()))
                .map(h -> h.substring(BEARER.length()).strip())
                .filter(t -> !t.isEmpty());
        if (token.isEmpty()) {
            return new Decision.Unauthenticated("build logs need the caller's Kubernetes bearer token: send "
                    + "\"Authorization: Bearer <token>\" (through the API server's service proxy, which keeps the "
                    + "Authorization header for itself, send it as X-Nixpool-Authorization); `nixpool logs` does this");
        }
        String digest = digest(token.get());
        Optional<Caller> caller = callers.get(digest).orElseGet(() -> {
            Optional<Caller> reviewed = reviews.authenticate(token.get());
            callers.put(digest, reviewed);
            return reviewed;
        });
        if (caller.isEmpty()) {
            return new Decision.Unauthenticated(
                    "the API server did not accept the bearer token (TokenReview: not authenticated)");
        }
        Question question = new Question(caller.get(), namespace, name);
        AccessReviews.Verdict verdict = verdicts.get(question).orElseGet(() -> {
            AccessReviews.Verdict reviewed = reviews.mayGetNixBuild(caller.get(), namespace, name);
            verdicts.put(question, reviewed);
            return reviewed;
        });
        if (!verdict.allowed()) {
            return new Decision.Forbidden("User \"" + caller.get().name() + "\" cannot get resource \"nixbuilds\" in "
                    + "API group \"nixpool.dev\" in the namespace \"" + namespace + "\" (NixBuild " + name
                    + "), so it may not read its log" + (verdict.reason().isEmpty() ? "" : ": " + verdict.reason()));
        }
        return new Decision.Allowed(caller.get());
    }

    private static String digest(String token) {
        try {
            return HexFormat.of().formatHex(
                    MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    private record Question(Caller caller, String namespace, String name) {
    }

    public sealed interface Decision {
        record Allowed(Caller caller) implements Decision {
        }

        record Unauthenticated(String message) implements Decision {
        }

        record Forbidden(String message) implements Decision {
        }
    }
}

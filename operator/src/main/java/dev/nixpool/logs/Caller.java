package dev.nixpool.logs;

import java.util.List;
import java.util.Map;

/** Who a bearer token belongs to, as the API server's TokenReview says; passed on unchanged to SubjectAccessReviews. */
public record Caller(String name, String uid, List<String> groups, Map<String, List<String>> extra) {

    public Caller {
        groups = List.copyOf(groups);
        extra = Map.copyOf(extra);
    }
}

package dev.nixpool.local.apiserver;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * SelfSubjectRulesReview, which JOSDK creates before it takes part in leader election (it refuses to elect unless the
 * answer lets it get, create and update Leases). The embedded API server authenticates and authorizes no one: every
 * client may do everything, and the answer says exactly that.
 */
final class RulesReview {

    static final String PATH = "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews";

    private RulesReview() {
    }

    /** The review as created: the request's own object with a status that allows every verb on everything. */
    static ObjectNode answer(JsonNode request) {
        ObjectNode review = request != null && request.isObject()
                ? ((ObjectNode) request).deepCopy()
                : JsonNodeFactory.instance.objectNode();
        review.put("apiVersion", "authorization.k8s.io/v1");
        review.put("kind", "SelfSubjectRulesReview");
        if (!review.has("metadata")) {
            review.putObject("metadata");
        }
        ObjectNode status = review.putObject("status");
        ObjectNode resources = status.putArray("resourceRules").addObject();
        resources.putArray("verbs").add("*");
        resources.putArray("apiGroups").add("*");
        resources.putArray("resources").add("*");
        ObjectNode nonResources = status.putArray("nonResourceRules").addObject();
        nonResources.putArray("verbs").add("*");
        nonResources.putArray("nonResourceURLs").add("*");
        status.put("incomplete", false);
        return review;
    }
}

package dev.nixpool.local.apiserver;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.fabric8.mockwebserver.http.MockResponse;

/**
 * Authentication and authorisation in front of the store, as a real API server does them: a bearer token is looked up
 * among the {@link LocalUsers} (an unknown one gets 401), and its user is then held to RBAC ({@link RbacAuthorizer};
 * 403 with Kubernetes' own wording). Requests without any credentials are the local admin's: the in-process client of
 * the builder runtime and tests talk to the server that way, as components once did over a real API server's
 * loopback-only insecure port. Also answers TokenReview and SubjectAccessReview (create only, like on a cluster).
 */
final class AccessControl {

    static final String TOKEN_REVIEWS = "/apis/authentication.k8s.io/v1/tokenreviews";
    static final String SUBJECT_ACCESS_REVIEWS = "/apis/authorization.k8s.io/v1/subjectaccessreviews";
    private static final UserInfo LOOPBACK_ADMIN = new UserInfo("system:apiserver", "",
            List.of(UserInfo.MASTERS, UserInfo.AUTHENTICATED));
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Who is asking, or the 401 to answer. */
    sealed interface Identity {
        record Known(UserInfo user) implements Identity {
        }

        record Rejected(MockResponse response) implements Identity {
        }
    }

    private final LocalUsers users;
    private final RbacAuthorizer rbac;

    AccessControl(LocalUsers users, ObservableCrudStore store) {
        this.users = users;
        this.rbac = new RbacAuthorizer(() -> new RbacAuthorizer.Policy(items(store, "roles"),
                items(store, "rolebindings"), items(store, "clusterroles"), items(store, "clusterrolebindings")));
    }

    RbacAuthorizer rbac() {
        return rbac;
    }

    Identity authenticate(String authorization) {
        if (authorization == null || authorization.isBlank()) {
            return new Identity.Known(LOOPBACK_ADMIN);
        }
        String value = authorization.strip();
        if (value.regionMatches(true, 0, "Bearer ", 0, 7)) {
            Optional<UserInfo> user = users.authenticate(value.substring(7).strip());
            if (user.isPresent()) {
                return new Identity.Known(user.get());
            }
        }
        return new Identity.Rejected(status(401, "Unauthorized", "Unauthorized", null));
    }

    /**
     * The 403 for a request its user may not make, or empty. Discovery and other non-resource reads are open to every
     * authenticated user, as the default system:discovery and system:public-info-viewer bindings make them.
     */
    Optional<MockResponse> authorize(UserInfo user, String method, String bare, ResourcePath path) {
        RequestAttributes request = RequestAttributes.of(user, method, bare, path);
        if (!request.resourceRequest() && request.verb().equals("get")) {
            return Optional.empty();
        }
        if (rbac.authorize(request).allowed()) {
            return Optional.empty();
        }
        String subject = path == null
                ? "forbidden"
                : (path.group().isEmpty() ? path.plural() : path.plural() + "." + path.group())
                        + (path.name() == null ? "" : " \"" + path.name() + "\"") + " is forbidden";
        return Optional.of(status(403, "Forbidden", subject + ": User \"" + user.name() + "\" cannot "
                + request.verb() + " " + request.describe(), path));
    }

    /** POST tokenreviews: who the token in the spec belongs to. */
    MockResponse tokenReview(byte[] body) throws IOException {
        ObjectNode review = (ObjectNode) JSON.readTree(body);
        String token = review.path("spec").path("token").asText("");
        ObjectNode status = review.putObject("status");
        Optional<UserInfo> user = token.isEmpty() ? Optional.empty() : users.authenticate(token);
        status.put("authenticated", user.isPresent());
        if (user.isPresent()) {
            ObjectNode info = status.putObject("user");
            info.put("username", user.get().name());
            info.put("uid", user.get().uid());
            user.get().groups().forEach(info.putArray("groups")::add);
        } else {
            status.put("error", "invalid bearer token");
        }
        return json(201, review);
    }

    /** POST subjectaccessreviews: RBAC's decision for the user, groups and attributes in the spec. */
    MockResponse subjectAccessReview(byte[] body) throws IOException {
        ObjectNode review = (ObjectNode) JSON.readTree(body);
        JsonNode spec = review.path("spec");
        List<String> groups = new ArrayList<>();
        spec.path("groups").forEach(g -> groups.add(g.asText()));
        UserInfo user = new UserInfo(spec.path("user").asText(""), spec.path("uid").asText(""), groups);
        RequestAttributes request;
        if (spec.has("resourceAttributes")) {
            JsonNode a = spec.path("resourceAttributes");
            request = RequestAttributes.resource(user, a.path("verb").asText(""), a.path("group").asText(""),
                    a.path("resource").asText(""), a.path("subresource").asText(""), a.path("namespace").asText(""),
                    a.path("name").asText(""));
        } else if (spec.has("nonResourceAttributes")) {
            JsonNode a = spec.path("nonResourceAttributes");
            request = RequestAttributes.nonResource(user, a.path("verb").asText(""), a.path("path").asText(""));
        } else {
            return status(400, "BadRequest",
                    "SubjectAccessReview.authorization.k8s.io is invalid: exactly one of nonResourceAttributes or "
                            + "resourceAttributes must be specified",
                    null);
        }
        RbacAuthorizer.Decision decision = rbac.authorize(request);
        ObjectNode status = review.putObject("status");
        status.put("allowed", decision.allowed());
        if (!decision.reason().isEmpty()) {
            status.put("reason", decision.reason());
        }
        return json(201, review);
    }

    static MockResponse status(int code, String reason, String message, ResourcePath path) {
        ObjectNode status = ApiErrors.status(code, reason, message, path);
        return json(code, status);
    }

    private static MockResponse json(int code, JsonNode body) {
        return new MockResponse().setResponseCode(code).addHeader("Content-Type", "application/json")
                .setBody(body.toString());
    }

    private static List<JsonNode> items(ObservableCrudStore store, String plural) {
        MockResponse response = store.handleGet("/apis/rbac.authorization.k8s.io/v1/" + plural);
        List<JsonNode> result = new ArrayList<>();
        if (response.code() != 200) {
            return result;
        }
        try {
            JSON.readTree(response.getBody().readUtf8()).path("items").forEach(result::add);
        } catch (IOException e) {
            throw new IllegalStateException("the store returned a " + plural + " list that is not JSON", e);
        }
        return result;
    }
}

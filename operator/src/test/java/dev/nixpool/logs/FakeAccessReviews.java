package dev.nixpool.logs;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** {@link AccessReviews} from tables: which token is whose, which user may get which NixBuild; counts the questions. */
final class FakeAccessReviews implements AccessReviews {

    private final Map<String, Caller> tokens = new HashMap<>();
    private final Set<String> grants = new HashSet<>();
    int tokenReviews;
    int accessReviews;
    boolean down;

    FakeAccessReviews user(String token, String name) {
        tokens.put(token, new Caller(name, name + "-uid", List.of("system:authenticated"), Map.of()));
        return this;
    }

    FakeAccessReviews grant(String user, String namespace, String name) {
        grants.add(user + "/" + namespace + "/" + name);
        return this;
    }

    void revoke(String user, String namespace, String name) {
        grants.remove(user + "/" + namespace + "/" + name);
    }

    @Override
    public Optional<Caller> authenticate(String token) {
        failIfDown();
        tokenReviews++;
        return Optional.ofNullable(tokens.get(token));
    }

    @Override
    public Verdict mayGetNixBuild(Caller caller, String namespace, String name) {
        failIfDown();
        accessReviews++;
        boolean allowed = grants.contains(caller.name() + "/" + namespace + "/" + name);
        return new Verdict(allowed, allowed ? "granted by the test" : "");
    }

    private void failIfDown() {
        if (down) {
            throw new Unavailable("the API server is down in this test", null);
        }
    }
}

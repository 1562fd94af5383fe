package dev.nixpool.local.apiserver;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The static bearer tokens the embedded API server knows (a real one's --token-auth-file): random per server, one for
 * the local admin (system:masters, what the kubeconfig of {@code ./nixpool local} uses) and any more a test or user
 * adds. Every authenticated user is also in system:authenticated, as on a cluster.
 */
public final class LocalUsers {

    public static final String ADMIN = "nixpool-local-admin";

    private static final SecureRandom RANDOM = new SecureRandom();

    private final Map<String, UserInfo> byToken = new ConcurrentHashMap<>();
    private final Map<String, String> tokenByName = new ConcurrentHashMap<>();

    LocalUsers() {
        add(ADMIN, List.of(UserInfo.MASTERS));
    }

    /** Adds a user with a fresh token (or returns the token of the user of that name) and these groups. */
    public synchronized String add(String name, List<String> groups) {
        String existing = tokenByName.get(name);
        if (existing != null) {
            return existing;
        }
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        List<String> all = new ArrayList<>(groups);
        if (!all.contains(UserInfo.AUTHENTICATED)) {
            all.add(UserInfo.AUTHENTICATED);
        }
        byToken.put(token, new UserInfo(name, UUID.randomUUID().toString(), all));
        tokenByName.put(name, token);
        return token;
    }

    public String tokenOf(String name) {
        String token = tokenByName.get(name);
        if (token == null) {
            throw new IllegalArgumentException("no local user " + name);
        }
        return token;
    }

    Optional<UserInfo> authenticate(String token) {
        return Optional.ofNullable(byToken.get(token));
    }
}

package dev.nixpool.local.apiserver;

import java.util.List;

/** An authenticated user as the API server knows it: name, uid and groups (system:authenticated among them). */
public record UserInfo(String name, String uid, List<String> groups) {

    public static final String AUTHENTICATED = "system:authenticated";
    /** Members skip authorisation, as on a real cluster. */
    public static final String MASTERS = "system:masters";

    public UserInfo {
        groups = List.copyOf(groups);
    }

    boolean isMaster() {
        return groups.contains(MASTERS);
    }
}

package dev.nixpool.lifecycle;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import dev.nixpool.remote.BuilderCredentials;

/**
 * The operator's half of builders' keys once read from their key Secrets, so that a build given a warm builder does not
 * wait for a Secret read from the API server (the warming of its kept connection read it already). A builder's keys
 * never change while it lives: they are generated once with its Secret, and its sshd has them from its start, so what was
 * read is what the builder uses even if its Secret is edited or deleted later. Forgotten when the builder is deleted or
 * created again under the same name; bounded, for pods that went without the operator deleting them.
 */
final class BuilderKeysCache {

    static final int MAX_ENTRIES = 4096;

    private final Map<String, BuilderCredentials> byPod = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, BuilderCredentials> eldest) {
            return size() > MAX_ENTRIES;
        }
    };

    synchronized Optional<BuilderCredentials> get(String namespace, String podName) {
        return Optional.ofNullable(byPod.get(key(namespace, podName)));
    }

    synchronized void put(String namespace, String podName, BuilderCredentials credentials) {
        byPod.put(key(namespace, podName), credentials);
    }

    synchronized void forget(String namespace, String podName) {
        byPod.remove(key(namespace, podName));
    }

    synchronized int size() {
        return byPod.size();
    }

    private static String key(String namespace, String podName) {
        return namespace + "/" + podName;
    }
}

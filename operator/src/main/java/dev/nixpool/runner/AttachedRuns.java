package dev.nixpool.runner;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;

/**
 * The drivers of builds that are driven from outside, by NixBuild namespace and name: the gateway registers a client's
 * connection here before it creates the build (so no dispatch can come first), and the dispatch of the build's attempt
 * finds it.
 */
@ApplicationScoped
public class AttachedRuns {

    private final Map<String, RunDriver> drivers = new ConcurrentHashMap<>();

    public void register(String namespace, String name, RunDriver driver) {
        drivers.put(namespace + "/" + name, driver);
    }

    public void unregister(String namespace, String name) {
        drivers.remove(namespace + "/" + name);
    }

    public Optional<RunDriver> driver(String namespace, String name) {
        return Optional.ofNullable(drivers.get(namespace + "/" + name));
    }
}

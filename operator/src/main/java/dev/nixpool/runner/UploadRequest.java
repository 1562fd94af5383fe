package dev.nixpool.runner;

import java.util.List;

import dev.nixpool.cache.CacheDestination;
import dev.nixpool.remote.BuilderAddress;
import dev.nixpool.remote.BuilderCredentials;

/**
 * Everything an upload needs, read from the cluster by the reconcile that dispatches it: the builder holding the
 * outputs, the outputs' paths and where they go. toString shows no key or credential.
 */
public record UploadRequest(RunKey key, String namespace, String name, BuilderAddress address,
        BuilderCredentials credentials, List<String> outputs, CacheDestination destination) {

    public UploadRequest {
        outputs = List.copyOf(outputs);
    }

    @Override
    public String toString() {
        return "UploadRequest[" + namespace + "/" + name + " attempt " + key.attempt() + ", " + outputs + " from "
                + address.host() + " to " + destination + "]";
    }
}

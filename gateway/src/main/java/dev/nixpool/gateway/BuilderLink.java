package dev.nixpool.gateway;

import dev.nixpool.nix.serve.ServeClient;

/** The gateway's own serve connection to the builder of one client build. Closing it ends what runs there. */
public interface BuilderLink extends AutoCloseable {

    ServeClient client();

    /** For status and logs, e.g. "serve protocol 2.7, host key SHA256:...". */
    String description();

    /** Why the link broke, once it did. */
    String lossReason();

    @Override
    void close();
}

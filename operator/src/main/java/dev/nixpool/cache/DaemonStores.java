package dev.nixpool.cache;

import java.io.IOException;

/** Opens ssh-ng:// destinations ({@link SshDaemonStores}; a test double in unit tests). */
@FunctionalInterface
public interface DaemonStores {

    /** Connects, logs in and completes the daemon's handshake; a failure names the destination, never a secret. */
    DaemonStore open(CacheDestination destination) throws IOException;
}

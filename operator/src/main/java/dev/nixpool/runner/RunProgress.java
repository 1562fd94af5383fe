package dev.nixpool.runner;

import java.util.Optional;

/**
 * What a run has got to, as the reconcile sees it.
 *
 * @param connection null until the session is up, then e.g. "serve protocol 2.7, host key SHA256:..."
 * @param derivation null until instantiated
 * @param result empty while running
 */
public record RunProgress(String connection, String derivation, Optional<RunResult> result) {

    public boolean connected() {
        return connection != null;
    }
}

package dev.nixpool.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes a kubeconfig for the in-memory API server: one cluster, one user without credentials (the server asks for
 * none), one current context. What {@code KUBECONFIG} points the operator (and kubectl) at.
 */
public final class Kubeconfig {

    public static final String CONTEXT = "nixpool-local";

    private Kubeconfig() {
    }

    /** Writes the file (mode of a fresh file, no secrets in it) and returns its path. */
    public static Path write(Path file, String serverUrl, String namespace) {
        String yaml = """
                apiVersion: v1
                kind: Config
                clusters:
                  - name: %1$s
                    cluster:
                      server: %2$s
                users:
                  - name: %1$s
                    user: {}
                contexts:
                  - name: %1$s
                    context:
                      cluster: %1$s
                      user: %1$s
                      namespace: %3$s
                current-context: %1$s
                """.formatted(CONTEXT, serverUrl, namespace);
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.writeString(file, yaml);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write kubeconfig " + file, e);
        }
        return file;
    }
}

package dev.nixpool.local.apiserver;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * One embedded API server (with the CRDs of {@code crds/}) for a test class: register it in a static field with
 * {@code @RegisterExtension}; it starts before the class's own {@code @BeforeAll} methods, so they can seed it, and
 * stops after its {@code @AfterAll} methods.
 */
final class EmbeddedApiServerExtension implements BeforeAllCallback, AfterAllCallback {

    private EmbeddedApiServer server;

    @Override
    public void beforeAll(ExtensionContext context) {
        server = EmbeddedApiServer.start(KubectlFixture.repoRoot().resolve("crds"), 0);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (server != null) {
            server.close();
            server = null;
        }
    }

    EmbeddedApiServer server() {
        if (server == null) {
            throw new IllegalStateException("the embedded API server runs only between beforeAll and afterAll; "
                    + "register the extension in a static field");
        }
        return server;
    }

    /** The server's admin client; the server closes it. */
    KubernetesClient client() {
        return server().client();
    }
}

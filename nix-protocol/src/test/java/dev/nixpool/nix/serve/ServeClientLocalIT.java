package dev.nixpool.nix.serve;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import dev.nixpool.nix.testing.LocalNixStore;
import dev.nixpool.nix.testing.NixProcess;
import dev.nixpool.nix.testing.ProcessResult;

/** The serve commands against {@code nix-store --serve --write} run as a local process on a store of its own. */
class ServeClientLocalIT extends AbstractServeClientIT {

    private LocalNixStore builder;

    @BeforeAll
    void startBuilderStore() throws Exception {
        builder = LocalNixStore.create("serve-builder");
    }

    @AfterAll
    void stopBuilderStore() throws Exception {
        if (builder != null) {
            builder.close();
        }
    }

    @Override
    protected ServeSession openServe() throws Exception {
        NixProcess p = builder.startServe();
        return ServeSession.of(p.stdout(), p.stdin(), p::stderr, p::close);
    }

    @Override
    protected ProcessResult runOnBuilder(String... argv) throws Exception {
        return builder.run(argv);
    }
}

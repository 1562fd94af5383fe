package dev.nixpool.cache;

import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import dev.nixpool.nix.cache.NixPublicKey;
import dev.nixpool.nix.cache.NixSecretKey;
import dev.nixpool.nix.store.StorePath;
import dev.nixpool.nix.store.ValidPathInfo;
import dev.nixpool.nix.testing.ClientStoreHelper;
import dev.nixpool.nix.testing.LocalNixStore;

/**
 * For the cache ITs: a two-path closure built by the real nix-build in a throwaway store (an output that refers to
 * its dependency, a text of 2.3 MB: more than one xz block at the smallest block size), its path infos and NARs as that store reports them, and a key pair from
 * {@code nix-store --generate-binary-cache-key}.
 */
final class BuiltClosure implements AutoCloseable {

    private static final String EXPRESSION = """
            let dep = derivation { name = "cache-dep"; system = builtins.currentSystem; builder = "/bin/sh";
                                   args = [ "-c" "/usr/bin/seq -f 'dependency line %g' 1 100000 > $out" ]; };
            in derivation { name = "cache-top"; system = builtins.currentSystem; builder = "/bin/sh";
                            args = [ "-c" "echo ${dep} > $out" ]; }
            """;

    final LocalNixStore store;
    final StorePath output;
    final List<ValidPathInfo> closure;
    final NixSecretKey secretKey;
    final NixPublicKey publicKey;
    final Path keyDir;

    private BuiltClosure(LocalNixStore store, StorePath output, List<ValidPathInfo> closure, NixSecretKey secretKey,
            NixPublicKey publicKey, Path keyDir) {
        this.store = store;
        this.output = output;
        this.closure = closure;
        this.secretKey = secretKey;
        this.publicKey = publicKey;
        this.keyDir = keyDir;
    }

    static BuiltClosure build(String label) throws Exception {
        LocalNixStore store = LocalNixStore.create(label);
        try {
            Path work = store.workDir();
            Path expr = Files.writeString(work.resolve("closure.nix"), EXPRESSION);
            StorePath output = StorePath.parse(store.runOk("nix-build", "--no-out-link", expr.toString()));
            List<ValidPathInfo> closure = new ArrayList<>();
            for (String line : store.runOk("nix-store", "--query", "--requisites", output.toString()).split("\n")) {
                closure.add(ClientStoreHelper.pathInfo(store, StorePath.parse(line.trim())));
            }
            Path keyDir = Files.createDirectories(work.resolve("keys"));
            store.runOk("nix-store", "--generate-binary-cache-key", "nixpool-it-1", keyDir.resolve("sk").toString(),
                    keyDir.resolve("pk").toString());
            return new BuiltClosure(store, output, closure, NixSecretKey.parse(Files.readString(keyDir.resolve("sk"))),
                    NixPublicKey.parse(Files.readString(keyDir.resolve("pk"))), keyDir);
        } catch (Exception | AssertionError e) {
            store.close();
            throw e;
        }
    }

    StorePath dependency() {
        return closure.stream().map(ValidPathInfo::path).filter(p -> !p.equals(output)).findFirst().orElseThrow();
    }

    /** NARs straight from the store's files, as a builder would stream them. */
    NarSource narSource() {
        return path -> new ByteArrayInputStream(ClientStoreHelper.nar(store, path));
    }

    @Override
    public void close() throws Exception {
        store.close();
    }
}

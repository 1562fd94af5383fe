package dev.nixpool.nix.cache;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import dev.nixpool.nix.store.StorePath;
import dev.nixpool.nix.store.ValidPathInfo;
import dev.nixpool.nix.testing.ClientStoreHelper;
import dev.nixpool.nix.testing.LocalNixStore;

/**
 * Our narinfo, fingerprint and signatures against what Nix 2.8 itself writes: a key pair fresh from
 * {@code nix-store --generate-binary-cache-key}, a path with a reference copied by {@code nix copy --to file://} with
 * that key.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CacheSigningAgainstNixIT {

    private LocalNixStore store;
    private NixSecretKey secretKey;
    private NixPublicKey publicKey;
    private StorePath output;
    private StorePath dependency;
    private Path cache;

    @BeforeAll
    void buildAndCopyWithNix() throws Exception {
        store = LocalNixStore.create("cache-signing");
        Path work = store.workDir();
        store.runOk("nix-store", "--generate-binary-cache-key", "it-key-1", work.resolve("sk").toString(),
                work.resolve("pk").toString());
        secretKey = NixSecretKey.parse(Files.readString(work.resolve("sk")));
        publicKey = NixPublicKey.parse(Files.readString(work.resolve("pk")));
        Path expr = work.resolve("t.nix");
        Files.writeString(expr, """
                let dep = derivation { name = "dep"; system = builtins.currentSystem; builder = "/bin/sh";
                                       args = [ "-c" "echo dep > $out" ]; };
                in derivation { name = "signed"; system = builtins.currentSystem; builder = "/bin/sh";
                                args = [ "-c" "echo ${dep} > $out" ]; }
                """);
        output = StorePath.parse(store.runOk("nix-build", "--no-out-link", expr.toString()));
        dependency = ClientStoreHelper.pathInfo(store, output).references().get(0);
        cache = work.resolve("cache");
        store.runOk("nix", "copy", "--to", "file://" + cache + "?secret-key=" + work.resolve("sk"), output.toString());
    }

    @AfterAll
    void removeStore() throws Exception {
        if (store != null) {
            store.close();
        }
    }

    @Test
    void ourSignatureIsNixsAndVerifies() throws Exception {
        for (StorePath path : List.of(output, dependency)) {
            NarInfo nix = NarInfoParser.parse(Files.readString(cache.resolve(NarInfo.key(path))), path);
            assertThat(nix.sigs()).hasSize(1);
            assertThat(secretKey.sign(nix.fingerprint())).isEqualTo(nix.sigs().get(0));
            assertThat(publicKey.verifies(nix)).isTrue();
            assertThat(NarInfoWriter.write(nix)).isEqualTo(Files.readString(cache.resolve(NarInfo.key(path))));
        }
    }

    @Test
    void narinfoDescribesThePathAsTheStoreDoes() throws Exception {
        ValidPathInfo info = ClientStoreHelper.pathInfo(store, output);
        NarInfo nix = NarInfoParser.parse(Files.readString(cache.resolve(NarInfo.key(output))), output);
        assertThat(nix.narHash()).isEqualTo(info.narHash());
        assertThat(nix.narSize()).isEqualTo(info.narSize());
        assertThat(nix.references()).containsExactlyElementsOf(info.references());
        assertThat(nix.deriver()).isEqualTo(info.deriver());
        assertThat(NixCacheInfo.parse(Files.readString(cache.resolve(NixCacheInfo.KEY))))
                .isEqualTo(NixCacheInfo.ofStoreDir());
    }

    @Test
    void nixAcceptsWhatWeSign() throws Exception {
        // strip Nix's signature, sign with our code, and let nix store verify judge the result
        Path ours = store.workDir().resolve("resigned");
        store.runOk("nix", "copy", "--to", "file://" + ours, output.toString());
        for (StorePath path : List.of(output, dependency)) {
            Path file = ours.resolve(NarInfo.key(path));
            NarInfo unsigned = NarInfoParser.parse(Files.readString(file), path);
            assertThat(unsigned.sigs()).isEmpty();
            Files.writeString(file, NarInfoWriter.write(secretKey.sign(unsigned)));
        }
        assertThat(store.run("nix", "store", "verify", "--sigs-needed", "1", "--trusted-public-keys",
                publicKey.toString(), "--store", "file://" + ours, output.toString()).exitCode()).isZero();
        assertThat(store.run("nix", "store", "verify", "--sigs-needed", "1", "--trusted-public-keys",
                publicKey.toString(), "--store", "file://" + ours, "-r", output.toString()).exitCode()).isZero();
        String sameBytesOtherName = "other-name" + publicKey.toString().substring(publicKey.name().length());
        assertThat(store.run("nix", "store", "verify", "--sigs-needed", "1", "--trusted-public-keys",
                sameBytesOtherName, "--store", "file://" + ours, output.toString()).exitCode())
                .as("a signature counts only under its key's name").isNotZero();
    }
}

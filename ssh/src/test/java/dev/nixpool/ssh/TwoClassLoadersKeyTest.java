package dev.nixpool.ssh;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.List;

import org.apache.sshd.common.signature.BuiltinSignatures;
import org.apache.sshd.common.signature.Signature;
import org.junit.jupiter.api.Test;

/**
 * What a {@code @QuarkusTest} does to a JVM that also runs plain tests: MINA and net.i2p's EdDSA classes loaded twice,
 * once per class loader. Each copy must generate, load and sign with ed25519 keys of its own classes, whichever copy
 * initialised MINA's security providers first (MINA would otherwise install its net.i2p provider JVM-wide, and the other
 * copy's keys would then meet that provider's classes: a ClassCastException between two EdDSAPrivateKey classes).
 */
class TwoClassLoadersKeyTest {

    @Test
    void eachClassLoaderGeneratesLoadsAndSignsWithItsOwnEdDSAClasses() throws Exception {
        try (URLClassLoader first = isolatedCopy(); URLClassLoader second = isolatedCopy()) {
            assertThat(signInside(first)).isTrue();
            assertThat(signWithFreshKey()).isTrue();
            assertThat(signInside(second)).isTrue();
        }
    }

    /** Generates a key, reads it back as a client key would be, signs and verifies with MINA's ssh-ed25519. */
    static boolean signWithFreshKey() throws Exception {
        OpenSshKeyPair generated = SshKeyGenerator.generateEd25519("loader test");
        KeyPair pair = ClientKeys.load(generated.privateKey(), "the generated key");
        byte[] data = "signed in one class loader".getBytes(StandardCharsets.UTF_8);
        Signature signer = BuiltinSignatures.ed25519.create();
        signer.initSigner(null, pair.getPrivate());
        signer.update(null, data);
        byte[] signature = signer.sign(null);
        Signature verifier = BuiltinSignatures.ed25519.create();
        verifier.initVerifier(null, HostKeys.parse(generated.publicKey()));
        verifier.update(null, data);
        return verifier.verify(null, signature);
    }

    private static boolean signInside(ClassLoader loader) throws Exception {
        Class<?> copy = Class.forName(TwoClassLoadersKeyTest.class.getName(), true, loader);
        assertThat(copy).isNotSameAs(TwoClassLoadersKeyTest.class);
        Method sign = copy.getDeclaredMethod("signWithFreshKey");
        sign.setAccessible(true);
        // as Quarkus does for its tests: MINA instantiates its provider registrars through the context class loader
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(loader);
        try {
            return (Boolean) sign.invoke(null);
        } finally {
            thread.setContextClassLoader(previous);
        }
    }

    /** The whole test class path again, under a loader that does not delegate to the application class loader. */
    private static URLClassLoader isolatedCopy() throws Exception {
        List<URL> urls = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            urls.add(Path.of(entry).toUri().toURL());
        }
        return new URLClassLoader(urls.toArray(URL[]::new), ClassLoader.getPlatformClassLoader());
    }
}

package dev.nixpool.cache;

import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;

/**
 * A fresh Nix signing key text for unit tests, made with the JDK instead of nix-store: the last 32 bytes of the
 * PKCS#8 and X.509 encodings are the seed and the public key, which is what Nix's key file concatenates.
 */
public final class TestKeys {

    private TestKeys() {
    }

    public static String secretKeyText(String name) {
        try {
            KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
            byte[] priv = pair.getPrivate().getEncoded();
            byte[] pub = pair.getPublic().getEncoded();
            byte[] both = new byte[64];
            System.arraycopy(priv, priv.length - 32, both, 0, 32);
            System.arraycopy(pub, pub.length - 32, both, 32, 32);
            String text = name + ":" + Base64.getEncoder().encodeToString(both);
            Arrays.fill(both, (byte) 0);
            return text;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}

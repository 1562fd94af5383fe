package dev.nixpool.ssh;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;

import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.writer.openssh.OpenSSHKeyEncryptionContext;
import org.apache.sshd.common.config.keys.writer.openssh.OpenSSHKeyPairResourceWriter;
import org.apache.sshd.common.keyprovider.KeyPairProvider;

/** Generates ed25519 key pairs with MINA, in the formats OpenSSH reads. */
public final class SshKeyGenerator {

    static {
        MinaSecurity.configure();
    }

    private SshKeyGenerator() {
    }

    public static OpenSshKeyPair generateEd25519(String comment) {
        try {
            KeyPair keyPair = KeyUtils.generateKeyPair(KeyPairProvider.SSH_ED25519, 256);
            ByteArrayOutputStream privateOut = new ByteArrayOutputStream();
            OpenSSHKeyPairResourceWriter.INSTANCE.writePrivateKey(keyPair, comment, (OpenSSHKeyEncryptionContext) null,
                    privateOut);
            ByteArrayOutputStream publicOut = new ByteArrayOutputStream();
            OpenSSHKeyPairResourceWriter.INSTANCE.writePublicKey(keyPair.getPublic(), comment, publicOut);
            return new OpenSshKeyPair(privateOut.toString(StandardCharsets.US_ASCII),
                    publicOut.toString(StandardCharsets.US_ASCII).trim());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(
                    "cannot generate an ed25519 key pair (is net.i2p.crypto:eddsa on the classpath?)", e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

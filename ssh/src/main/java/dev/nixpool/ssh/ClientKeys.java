package dev.nixpool.ssh;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.util.Iterator;

import org.apache.sshd.common.NamedResource;
import org.apache.sshd.common.config.keys.FilePasswordProvider;
import org.apache.sshd.common.util.security.SecurityUtils;

/** Reads client private keys in OpenSSH's file format (and the PEM forms MINA understands). */
public final class ClientKeys {

    static {
        MinaSecurity.configure();
    }

    private ClientKeys() {
    }

    /**
     * @param privateKeyText the whole key file
     * @param source where it came from (a path, "the Secret ..."), for messages only
     */
    public static KeyPair load(String privateKeyText, String source) throws SshTransportException {
        if (privateKeyText == null || privateKeyText.isBlank()) {
            throw new SshTransportException(SshFailureReason.INVALID_KEY,
                    "expected an OpenSSH private key in " + source + ", got an empty text");
        }
        FilePasswordProvider noPassphrase = (session, resource, retry) -> {
            throw new SshTransportException(SshFailureReason.INVALID_KEY, "the private key in " + source
                    + " is encrypted with a passphrase; nixpool needs an unencrypted key (ssh-keygen -p -N '')");
        };
        try {
            Iterable<KeyPair> pairs = SecurityUtils.loadKeyPairIdentities(null, NamedResource.ofName(source),
                    new ByteArrayInputStream(privateKeyText.getBytes(StandardCharsets.UTF_8)), noPassphrase);
            Iterator<KeyPair> it = pairs == null ? null : pairs.iterator();
            if (it == null || !it.hasNext()) {
                throw new SshTransportException(SshFailureReason.INVALID_KEY, "expected an OpenSSH private key ("
                        + "-----BEGIN OPENSSH PRIVATE KEY-----) in " + source + ", found none");
            }
            return it.next();
        } catch (SshTransportException e) {
            throw e;
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            if (e.getCause() instanceof SshTransportException cause) {
                throw cause;
            }
            // MINA's messages name the resource and the format problem, never the key bytes
            throw new SshTransportException(SshFailureReason.INVALID_KEY,
                    "cannot read the private key in " + source + ": " + e.getMessage());
        }
    }
}

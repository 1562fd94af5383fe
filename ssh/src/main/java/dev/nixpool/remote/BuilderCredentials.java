package dev.nixpool.remote;

/**
 * The builder's key Secret, as the operator needs it: its client private key (OpenSSH format) and the builder's host
 * public key line, which is pinned: a builder presenting any other host key is refused.
 */
public record BuilderCredentials(String clientPrivateKey, String hostPublicKey) {

    @Override
    public String toString() {
        return "BuilderCredentials[host key " + hostPublicKey + "]";
    }
}

package dev.nixpool.gateway;

/**
 * The builder the broker assigned to a build: where its sshd listens, whom to log in as, the private key to log in
 * with (OpenSSH text) and the host key to pin.
 */
public record BuilderLease(String builderName, String host, int port, String user, String clientPrivateKey,
        String hostPublicKey) {

    @Override
    public String toString() {
        return "BuilderLease[" + builderName + " at " + user + "@" + host + ":" + port + "]";
    }
}

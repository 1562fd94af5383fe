package dev.nixpool.ssh;

/**
 * An SSH key pair in OpenSSH's own file formats, ready to be written to disk or a Secret.
 *
 * @param privateKey the {@code -----BEGIN OPENSSH PRIVATE KEY-----} file, unencrypted
 * @param publicKey the one-line {@code ssh-ed25519 AAAA... comment} form (authorized_keys / known_hosts)
 */
public record OpenSshKeyPair(String privateKey, String publicKey) {

    /** Never print key material: records would otherwise put the private key into every log line. */
    @Override
    public String toString() {
        return "OpenSshKeyPair[" + publicKey + "]";
    }
}

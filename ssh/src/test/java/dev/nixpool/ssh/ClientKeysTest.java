package dev.nixpool.ssh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.KeyPair;

import org.junit.jupiter.api.Test;

class ClientKeysTest {

    /** {@code ssh-keygen -t ed25519 -N secret}: a passphrase-protected key. */
    private static final String ENCRYPTED = """
            -----BEGIN OPENSSH PRIVATE KEY-----
            b3BlbnNzaC1rZXktdjEAAAAACmFlczI1Ni1jdHIAAAAGYmNyeXB0AAAAGAAAABCp6fiJDq
            D6syx5l6hFpcffAAAAEAAAAAEAAAAzAAAAC3NzaC1lZDI1NTE5AAAAIJ/6yfzmHzPo8C9b
            mCotUSBjFcehk7yj950XDWKQMHGqAAAAkH2I+n8qSALlPHCtdZbQIf3ZkhtJ4kTDMIR5RP
            HibjjkcA1zhPSVfqsqullXz6cV8tuHv5EmzB8L8/MFFztz7kgib4yTKozj46zM/OOhWdNO
            EGYmBqMFDGuyLRwUg/ugFHkWPdj+0KW3S+qp2S5SmxxhXw7arAADIdgIgBqhxPjOASDrq6
            poKrRkBGktb+evcA==
            -----END OPENSSH PRIVATE KEY-----
            """;

    @Test
    void loadsAGeneratedKeyWithItsPublicHalf() throws Exception {
        OpenSshKeyPair generated = SshKeyGenerator.generateEd25519("test");
        KeyPair loaded = ClientKeys.load(generated.privateKey(), "the test key");
        assertThat(loaded.getPublic()).isEqualTo(HostKeys.parse(generated.publicKey()));
    }

    @Test
    void anEncryptedKeyIsRefusedWithAdvice() {
        assertThatThrownBy(() -> ClientKeys.load(ENCRYPTED, "/home/u/.ssh/id_ed25519"))
                .isInstanceOfSatisfying(SshTransportException.class, e -> {
                    assertThat(e.reason()).isEqualTo(SshFailureReason.INVALID_KEY);
                    assertThat(e.getMessage()).contains("/home/u/.ssh/id_ed25519", "encrypted", "ssh-keygen -p")
                            .doesNotContain("b3BlbnNzaC1rZXktdjEA");
                });
    }

    @Test
    void textWithoutAKeyIsRefused() {
        assertThatThrownBy(() -> ClientKeys.load("hello\n", "file x"))
                .isInstanceOfSatisfying(SshTransportException.class, e -> {
                    assertThat(e.reason()).isEqualTo(SshFailureReason.INVALID_KEY);
                    assertThat(e.getMessage()).contains("file x", "BEGIN OPENSSH PRIVATE KEY");
                });
        assertThatThrownBy(() -> ClientKeys.load("", "file y")).hasMessageContaining("empty");
    }

    @Test
    void aDamagedKeyNamesTheSourceButNotTheContent() {
        String damaged = SshKeyGenerator.generateEd25519("d").privateKey().replaceFirst("\n[A-Za-z0-9+/]{20}", "\n");
        assertThatThrownBy(() -> ClientKeys.load(damaged, "the Secret b-ssh"))
                .isInstanceOfSatisfying(SshTransportException.class, e -> {
                    assertThat(e.reason()).isEqualTo(SshFailureReason.INVALID_KEY);
                    assertThat(e.getMessage()).contains("the Secret b-ssh").doesNotContain(damaged.substring(40, 80));
                });
    }
}

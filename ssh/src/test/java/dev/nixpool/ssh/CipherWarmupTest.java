package dev.nixpool.ssh;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.GeneralSecurityException;

import org.junit.jupiter.api.Test;

/** The warm-up really encrypts and decrypts with AES-GCM (each packet comes back as it was sent, its tag checked). */
class CipherWarmupTest {

    @Test
    void everyPacketComesBackAsItWasSent() throws GeneralSecurityException {
        assertThat(CipherWarmup.run(500, CipherWarmup.PACKET_BYTES)).isEqualTo(500);
    }

    @Test
    void theWarmupIsSmallNextToAnUpload() {
        assertThat((long) CipherWarmup.PACKETS * CipherWarmup.PACKET_BYTES).isLessThan(10L << 20);
    }
}

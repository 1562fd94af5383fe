package dev.nixpool.ssh;

import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicBoolean;

import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gets the JDK's AES-GCM compiled before the first large upload needs it. Until C2 has compiled the JDK's GCM code, AES
 * and GHASH run as plain Java instead of as the AES-NI and carry-less multiply intrinsics: on this 2-core machine the
 * first 256 MiB through a fresh JVM took 5.1 s to encrypt and decrypt instead of 0.3 s warm. A gateway relaying a
 * client's upload decrypts and encrypts every byte, so the first large upload after the operator started (or after a
 * leader change) ran its first few hundred MiB at a fraction of the speed of later ones. Many small packets get the
 * methods compiled at a fraction of the work of large ones (the compiler counts calls): about 8 MB in all.
 */
public final class CipherWarmup {

    private static final Logger LOG = LoggerFactory.getLogger(CipherWarmup.class);
    static final int PACKETS = 30_000;
    static final int PACKET_BYTES = 256;
    private static final int TAG_BITS = 128;
    private static final AtomicBoolean STARTED = new AtomicBoolean();

    private CipherWarmup() {
    }

    /** Runs the warm-up once per JVM, on a daemon thread of the lowest priority; returns at once. */
    public static void startOnce() {
        if (!STARTED.compareAndSet(false, true)) {
            return;
        }
        Thread t = new Thread(() -> {
            try {
                run(PACKETS, PACKET_BYTES);
            } catch (GeneralSecurityException e) {
                LOG.warn("AES-GCM warm-up failed (the first large uploads run before the JIT compiled it): {}",
                        e.toString());
            }
        }, "nixpool-cipher-warmup");
        t.setDaemon(true);
        t.setPriority(Thread.MIN_PRIORITY);
        t.start();
    }

    /**
     * Encrypts and decrypts {@code packets} packets of {@code bytes} bytes as an SSH connection does (a new nonce per
     * packet, 4 bytes of associated data, the tag checked). Returns how many packets came back as they were sent.
     */
    static int run(int packets, int bytes) throws GeneralSecurityException {
        SecretKeySpec key = new SecretKeySpec(new byte[16], "AES");
        Cipher encrypt = Cipher.getInstance("AES/GCM/NoPadding");
        Cipher decrypt = Cipher.getInstance("AES/GCM/NoPadding");
        byte[] nonce = new byte[12];
        byte[] aad = new byte[4];
        byte[] plain = new byte[bytes];
        byte[] buf = new byte[bytes + TAG_BITS / 8];
        int same = 0;
        for (int i = 0; i < packets; i++) {
            nonce[8] = (byte) (i >>> 24);
            nonce[9] = (byte) (i >>> 16);
            nonce[10] = (byte) (i >>> 8);
            nonce[11] = (byte) i;
            plain[i % bytes] = (byte) i;
            GCMParameterSpec spec = new GCMParameterSpec(TAG_BITS, nonce);
            encrypt.init(Cipher.ENCRYPT_MODE, key, spec);
            encrypt.updateAAD(aad);
            int sealed = encrypt.doFinal(plain, 0, bytes, buf, 0);
            decrypt.init(Cipher.DECRYPT_MODE, key, spec);
            decrypt.updateAAD(aad);
            int opened = decrypt.doFinal(buf, 0, sealed, buf, 0);
            if (opened == bytes && Arrays.equals(buf, 0, bytes, plain, 0, bytes)) {
                same++;
            }
        }
        return same;
    }
}

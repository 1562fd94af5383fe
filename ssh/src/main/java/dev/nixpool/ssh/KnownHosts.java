package dev.nixpool.ssh;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;

import org.apache.sshd.client.config.hosts.KnownHostEntry;
import org.apache.sshd.common.config.keys.PublicKeyEntryResolver;

/**
 * Looks host keys up in an OpenSSH known_hosts file, as {@code ssh} does: plain and hashed ({@code |1|...}) host
 * patterns, {@code [host]:port} for ports other than 22. Entries with a marker ({@code @cert-authority},
 * {@code @revoked}) are not used for pinning.
 */
public final class KnownHosts {

    static {
        MinaSecurity.configure();
    }

    private KnownHosts() {
    }

    /** The user's file: {@code $HOME/.ssh/known_hosts} ($HOME first, as the shell sees it, then the JVM's idea). */
    public static Path userFile() {
        return userHome().resolve(".ssh").resolve("known_hosts");
    }

    public static Path userHome() {
        String home = System.getenv("HOME");
        return Path.of(home == null || home.isBlank() ? System.getProperty("user.home") : home);
    }

    /** The keys recorded for {@code host} on {@code port}; empty if the file or the host is missing. */
    public static List<PublicKey> lookup(Path file, String host, int port) throws SshTransportException {
        if (!Files.isRegularFile(file)) {
            return List.of();
        }
        List<KnownHostEntry> entries;
        try {
            entries = KnownHostEntry.readKnownHostEntries(file);
        } catch (IOException | RuntimeException e) {
            throw new SshTransportException(SshFailureReason.INVALID_KEY, "cannot read " + file + ": " + e.getMessage(),
                    e);
        }
        List<PublicKey> keys = new ArrayList<>();
        for (KnownHostEntry entry : entries) {
            if (entry.getMarker() != null || !entry.isHostMatch(host, port)) {
                continue;
            }
            try {
                PublicKey key = entry.getKeyEntry().resolvePublicKey(null, null, PublicKeyEntryResolver.IGNORING);
                if (key != null) {
                    keys.add(key);
                }
            } catch (IOException | GeneralSecurityException e) {
                throw new SshTransportException(SshFailureReason.INVALID_KEY,
                        "cannot read the key for " + host + " in " + file + ": " + e.getMessage(), e);
            }
        }
        return keys;
    }
}

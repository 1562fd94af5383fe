package dev.nixpool.ssh;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.util.Base64;
import java.util.regex.Pattern;

import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.config.keys.PublicKeyEntryResolver;
import org.apache.sshd.common.digest.BuiltinDigests;

/** Public SSH keys as people and Nix write them: OpenSSH lines, the base64 form of Nix's machines file, fingerprints. */
public final class HostKeys {

    static {
        MinaSecurity.configure();
    }

    /** {@code ssh-ed25519}, {@code ecdsa-sha2-nistp256}, {@code sk-ssh-ed25519@openssh.com}, ... */
    private static final Pattern KEY_LINE = Pattern.compile("^(ssh|ecdsa|sk)-[A-Za-z0-9@.+-]+\\s+[A-Za-z0-9+/=]+.*",
            Pattern.DOTALL);
    private static final Pattern BASE64 = Pattern.compile("[A-Za-z0-9+/=\\s]+");
    private static final int QUOTE_LIMIT = 48;

    private HostKeys() {
    }

    /**
     * Reads a public key given either as an OpenSSH line ({@code ssh-ed25519 AAAA... comment}) or as the base64 of such
     * a line (field 8 of Nix's machines file, {@code base64 -w0 ssh_host_ed25519_key.pub}).
     */
    public static PublicKey parse(String text) throws SshTransportException {
        if (text == null || text.isBlank()) {
            throw invalid("expected an OpenSSH public key line ('ssh-ed25519 AAAA...') or its base64 encoding, got "
                    + "nothing");
        }
        String trimmed = text.strip();
        if (KEY_LINE.matcher(trimmed).matches()) {
            return parseLine(trimmed, trimmed);
        }
        if (BASE64.matcher(trimmed).matches()) {
            String decoded;
            try {
                decoded = new String(Base64.getMimeDecoder().decode(trimmed), StandardCharsets.UTF_8).strip();
            } catch (IllegalArgumentException e) {
                throw invalid("expected an OpenSSH public key line or its base64 encoding, got '" + quote(trimmed)
                        + "', which is neither (" + e.getMessage() + ")");
            }
            if (KEY_LINE.matcher(decoded).matches()) {
                return parseLine(decoded, trimmed);
            }
            throw invalid("expected the base64 of an OpenSSH public key line ('ssh-ed25519 AAAA...'), but '"
                    + quote(trimmed) + "' decodes to '" + quote(printable(decoded)) + "'");
        }
        throw invalid("expected an OpenSSH public key line ('ssh-ed25519 AAAA...') or its base64 encoding, got '"
                + quote(trimmed) + "'");
    }

    /** OpenSSH's form, as {@code ssh-keygen -lf} prints it: {@code SHA256:} and unpadded base64. */
    public static String fingerprint(PublicKey key) {
        return KeyUtils.getFingerPrint(BuiltinDigests.sha256, key);
    }

    /** {@code ssh-ed25519 AAAA...} without comment. */
    public static String toLine(PublicKey key) {
        return PublicKeyEntry.toString(key);
    }

    /** The machines-file form: base64 of the key line; what {@code --host-key} and Nix's field 8 take. */
    public static String toBase64Line(PublicKey key) {
        return Base64.getEncoder().encodeToString((toLine(key) + "\n").getBytes(StandardCharsets.US_ASCII));
    }

    /** {@code ssh-ed25519}, {@code ssh-rsa}, ... */
    public static String type(PublicKey key) {
        return KeyUtils.getKeyType(key);
    }

    private static PublicKey parseLine(String line, String original) throws SshTransportException {
        try {
            PublicKey key = PublicKeyEntry.parsePublicKeyEntry(line).resolvePublicKey(null, null,
                    PublicKeyEntryResolver.FAILING);
            if (key == null) {
                throw invalid("unsupported public key type in '" + quote(original) + "'");
            }
            return key;
        } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
            throw invalid("cannot read the public key '" + quote(original) + "': " + e.getMessage());
        }
    }

    private static SshTransportException invalid(String message) {
        return new SshTransportException(SshFailureReason.INVALID_KEY, message);
    }

    private static String quote(String s) {
        return s.length() <= QUOTE_LIMIT ? s : s.substring(0, QUOTE_LIMIT) + "...";
    }

    private static String printable(String s) {
        return s.replaceAll("[\\p{Cntrl}&&[^\t]]", ".");
    }
}

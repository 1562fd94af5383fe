package dev.nixpool.ssh;

import java.security.PublicKey;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

import org.apache.sshd.common.AttributeRepository.AttributeKey;
import org.apache.sshd.common.config.keys.KeyUtils;

/**
 * The host keys one connection accepts, and the key the server actually presented (kept for the error message). One
 * instance per connection attempt: it travels in MINA's connection context to {@link PinnedHostKeyVerifier}.
 */
final class HostKeyPin {

    static final AttributeKey<HostKeyPin> ATTRIBUTE = new AttributeKey<>();

    private final List<PublicKey> accepted;
    private final AtomicReference<PublicKey> presented = new AtomicReference<>();
    private volatile boolean matched;

    HostKeyPin(List<PublicKey> accepted) {
        if (accepted.isEmpty()) {
            throw new IllegalArgumentException("at least one pinned host key is required (never trust on first use)");
        }
        this.accepted = List.copyOf(accepted);
    }

    private HostKeyPin() {
        this.accepted = List.of();
    }

    /** Accepts no key at all: only learns which key the server presents. */
    static HostKeyPin probe() {
        return new HostKeyPin();
    }

    boolean isProbe() {
        return accepted.isEmpty();
    }

    boolean check(PublicKey serverKey) {
        presented.set(serverKey);
        matched = accepted.stream().anyMatch(k -> KeyUtils.compareKeys(k, serverKey));
        return matched;
    }

    /** The key the server presented, or null if the key exchange never got that far. */
    PublicKey presented() {
        return presented.get();
    }

    boolean mismatched() {
        return presented.get() != null && !matched;
    }

    /** Canonical key types of the pinned keys ({@code ssh-ed25519}, {@code ssh-rsa}, ...). */
    Set<String> keyTypes() {
        return accepted.stream().map(k -> KeyUtils.getCanonicalKeyType(KeyUtils.getKeyType(k)))
                .collect(Collectors.toCollection(LinkedHashSet::new));
    }

    /** {@code SHA256:... (ssh-ed25519)}, several joined with " or ". */
    String describeAccepted() {
        return accepted.stream().map(HostKeyPin::describe).collect(Collectors.joining(" or "));
    }

    static String describe(PublicKey key) {
        return HostKeys.fingerprint(key) + " (" + HostKeys.type(key) + ")";
    }
}

package dev.nixpool.ssh;

import java.net.SocketAddress;
import java.security.PublicKey;
import java.util.Comparator;
import java.util.List;
import java.util.Set;

import org.apache.sshd.client.keyverifier.ServerKeyVerifier;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.AttributeRepository;
import org.apache.sshd.common.NamedFactory;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.session.SessionListener;
import org.apache.sshd.common.signature.Signature;

/**
 * The one {@link ServerKeyVerifier} of a {@link SshConnector}'s client: each connection carries its own
 * {@link HostKeyPin} in its connection context, and a connection without one is refused (never trust on first use).
 * <p>
 * As a {@link SessionListener} it also narrows each session's host key algorithms to the pinned key types before the
 * key exchange starts, as OpenSSH does for hosts in known_hosts: otherwise a server holding several host keys could
 * present, say, its ECDSA key and be refused although its pinned ed25519 key is right.
 */
final class PinnedHostKeyVerifier implements ServerKeyVerifier, SessionListener {

    @Override
    public boolean verifyServerKey(ClientSession session, SocketAddress remoteAddress, PublicKey serverKey) {
        HostKeyPin pin = pinOf(session);
        return pin != null && pin.check(serverKey);
    }

    @Override
    public void sessionCreated(Session session) {
        if (!(session instanceof ClientSession client)) {
            return;
        }
        HostKeyPin pin = pinOf(client);
        if (pin == null) {
            return;
        }
        if (pin.isProbe()) {
            // what OpenSSH prefers too, and the only type builder pods have
            client.setSignatureFactories(client.getSignatureFactories().stream()
                    .sorted(Comparator.comparing(f -> !KeyPairProvider.SSH_ED25519.equals(f.getName()))).toList());
            return;
        }
        Set<String> types = pin.keyTypes();
        List<NamedFactory<Signature>> narrowed = client.getSignatureFactories().stream()
                .filter(f -> types.contains(KeyUtils.getCanonicalKeyType(f.getName()))).toList();
        if (!narrowed.isEmpty()) {
            client.setSignatureFactories(narrowed);
        }
    }

    static HostKeyPin pinOf(ClientSession session) {
        AttributeRepository context = session.getConnectionContext();
        return context == null ? null : context.getAttribute(HostKeyPin.ATTRIBUTE);
    }
}

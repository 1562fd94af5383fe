package dev.nixpool.ssh;

import java.io.IOException;
import java.security.KeyPair;
import java.security.PublicKey;
import java.util.List;
import java.util.Map;

import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.auth.pubkey.UserAuthPublicKeyFactory;
import org.apache.sshd.client.config.hosts.HostConfigEntryResolver;
import org.apache.sshd.client.future.ConnectFuture;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.client.session.ClientUserAuthServiceFactory;
import org.apache.sshd.common.AttributeRepository;
import org.apache.sshd.common.future.CancelOption;
import org.apache.sshd.common.keyprovider.KeyIdentityProvider;
import org.apache.sshd.core.CoreModuleProperties;

import dev.nixpool.ssh.SshFailures.Step;

/**
 * Opens SSH sessions to builders with one started MINA {@link SshClient} (its threads are shared by all sessions).
 * Every connection pins the host key given to {@link #connect}: there is no known_hosts, no trust on first use, no
 * agent, no ~/.ssh/config and no password authentication, only the one client key passed in.
 * <p>
 * Thread-safe; close it once when the application stops (it closes the sessions it opened).
 */
public final class SshConnector implements AutoCloseable {

    static {
        MinaSecurity.configure();
    }

    private final SshClient client;

    /** Whether small packets go out at once (TCP_NODELAY) on this connector's connections. */
    boolean noDelay() {
        return CoreModuleProperties.TCP_NODELAY.getRequired(client);
    }

    public SshConnector() {
        client = SshClient.setUpDefaultClient();
        PinnedHostKeyVerifier verifier = new PinnedHostKeyVerifier();
        client.setCipherFactories(Ciphers.client());
        client.setServerKeyVerifier(verifier);
        client.addSessionListener(verifier);
        client.setHostConfigEntryResolver(HostConfigEntryResolver.EMPTY);
        client.setKeyIdentityProvider(KeyIdentityProvider.EMPTY_KEYS_PROVIDER);
        client.setUserAuthFactories(List.of(UserAuthPublicKeyFactory.INSTANCE));
        client.setServiceFactories(List.of(ClientUserAuthServiceFactory.INSTANCE, new KeepAliveServiceFactory()));
        // Nagle's algorithm held back a small packet written right after another (an evaluator's EOF after its
        // expression, a serve request after a channel's close) until the builder's delayed ACK came, tens of ms later
        // on every build; OpenSSH's own sshd and client turn it off as well
        CoreModuleProperties.TCP_NODELAY.set(client, true);
        client.start();
    }

    /**
     * Connects, verifies the host key and logs in.
     *
     * @param clientPrivateKey OpenSSH private key text, as in {@link OpenSshKeyPair#privateKey()}
     * @param pinnedHostKey the host's public key line, or its base64 (machines-file field 8)
     */
    public SshSession connect(SshTarget target, String clientPrivateKey, String pinnedHostKey, SshTimeouts timeouts)
            throws SshTransportException {
        return connect(target, ClientKeys.load(clientPrivateKey, "the client key for " + target),
                List.of(HostKeys.parse(pinnedHostKey)), timeouts);
    }

    /** As above with parsed keys; any one of {@code pinnedHostKeys} is accepted (known_hosts may list several). */
    public SshSession connect(SshTarget target, KeyPair clientKey, List<PublicKey> pinnedHostKeys,
            SshTimeouts timeouts) throws SshTransportException {
        HostKeyPin pin = new HostKeyPin(pinnedHostKeys);
        ClientSession session = null;
        try {
            ConnectFuture connecting = client.connect(target.user(), target.host(), target.port(),
                    AttributeRepository.ofAttributesMap(
                            Map.of(HostKeyPin.ATTRIBUTE, pin, KeepAliveServiceFactory.ATTRIBUTE, timeouts)),
                    null);
            session = connecting.verify(timeouts.connect(), CancelOption.CANCEL_ON_TIMEOUT).getSession();
        } catch (IOException | RuntimeException e) {
            throw SshFailures.classify(Step.CONNECT, target, e, pin, null, clientKey, timeouts.connect());
        }
        try {
            configureChannels(session, timeouts);
            session.addPublicKeyIdentity(clientKey);
            session.auth().verify(timeouts.auth(), CancelOption.CANCEL_ON_TIMEOUT);
            return new SshSession(target, session, pin.presented(), timeouts);
        } catch (IOException | RuntimeException e) {
            SshTransportException failure = SshFailures.classify(Step.AUTHENTICATE, target, e, pin, session, clientKey,
                    timeouts.auth());
            session.close(true);
            throw failure;
        }
    }

    /**
     * Learns the server's host key without trusting it: the key exchange runs up to the host key check, which refuses
     * every key, so nothing is ever sent to an unverified server. For telling a user which key to pin.
     */
    public PublicKey probeHostKey(SshTarget target, SshTimeouts timeouts) throws SshTransportException {
        HostKeyPin probe = HostKeyPin.probe();
        ClientSession session = null;
        try {
            session = client.connect(target.user(), target.host(), target.port(),
                    AttributeRepository.ofKeyValuePair(HostKeyPin.ATTRIBUTE, probe), null)
                    .verify(timeouts.connect(), CancelOption.CANCEL_ON_TIMEOUT).getSession();
            session.auth().verify(timeouts.auth(), CancelOption.CANCEL_ON_TIMEOUT);
        } catch (IOException | RuntimeException e) {
            if (probe.presented() == null) {
                throw SshFailures.classify(session == null ? Step.CONNECT : Step.AUTHENTICATE, target, e, null,
                        session, null, session == null ? timeouts.connect() : timeouts.auth());
            }
        } finally {
            if (session != null) {
                session.close(true);
            }
        }
        if (probe.presented() == null) {
            throw new SshTransportException(SshFailureReason.PROTOCOL_ERROR,
                    target + " completed a login without presenting a host key");
        }
        return probe.presented();
    }

    /** Read when a channel opens, so setting them on the session after connecting is in time. */
    private static void configureChannels(ClientSession session, SshTimeouts timeouts) {
        CoreModuleProperties.CHANNEL_OPEN_TIMEOUT.set(session, timeouts.channelOpen());
        // so a refused exec request closes the channel instead of leaving us waiting for output
        CoreModuleProperties.REQUEST_EXEC_REPLY.set(session, true);
    }

    @Override
    public void close() {
        client.stop();
    }
}

package dev.nixpool.gatewayops;

import java.util.List;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.fabric8.kubernetes.client.KubernetesClient;

import dev.nixpool.api.v1alpha1.BuildMachine;
import dev.nixpool.config.NixpoolConfig;
import dev.nixpool.ssh.OpenSshKeyPair;

/**
 * Who the gateway is to its clients: its host key (from the Secret, read or generated on first use, so the server and
 * the pools' machines lines share it whichever asks first) and the address clients reach it at. Nothing when the
 * gateway is off.
 */
@ApplicationScoped
public class GatewayIdentity {

    private final KubernetesClient client;
    private final boolean enabled;
    private final Optional<String> namespace;
    private final String hostKeySecret;
    private final Optional<String> address;
    private OpenSshKeyPair hostKey;

    @Inject
    public GatewayIdentity(KubernetesClient client, NixpoolConfig config) {
        this(client, config.gateway().enabled(), config.gateway().namespace(), config.gateway().hostKeySecret(),
                config.gateway().address());
    }

    GatewayIdentity(KubernetesClient client, boolean enabled, Optional<String> namespace, String hostKeySecret,
            Optional<String> address) {
        this.client = client;
        this.enabled = enabled;
        this.namespace = namespace;
        this.hostKeySecret = hostKeySecret;
        this.address = address;
    }

    public boolean enabled() {
        return enabled;
    }

    /** The namespace of the host key Secret: the configured one, else the operator's own. */
    public String namespace() {
        return namespace.orElseGet(() -> client.getNamespace() != null ? client.getNamespace() : "default");
    }

    public synchronized OpenSshKeyPair hostKey() {
        if (hostKey == null) {
            hostKey = GatewayHostKey.loadOrCreate(client, namespace(), hostKeySecret);
        }
        return hostKey;
    }

    /** The gateway as clients' ssh reaches it: the configured address, else its Service's DNS name. */
    public String address() {
        return address.orElseGet(() -> GatewayAddress.serviceDns(namespace()));
    }

    /** {@code pool}'s machines line (others: every pool, to tell whether its name needs its namespace). */
    public Optional<String> machinesLine(BuildMachine pool, List<BuildMachine> others) {
        if (!enabled() || pool.getSpec() == null || pool.getSpec().getSystems() == null
                || pool.getSpec().getSystems().isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(MachinesLines.line(pool, address(), MachinesLines.user(pool, others),
                hostKey().publicKey()));
    }
}

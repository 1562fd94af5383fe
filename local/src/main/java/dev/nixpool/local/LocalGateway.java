package dev.nixpool.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;

import dev.nixpool.api.v1alpha1.BuildMachine;
import dev.nixpool.gatewayops.ClientGrants;
import dev.nixpool.gatewayops.MachinesLines;
import dev.nixpool.ssh.OpenSshKeyPair;
import dev.nixpool.ssh.SshKeyGenerator;

/**
 * Local mode's gateway for the machine's own Nix: the operator listens on a loopback port; this authorises a client
 * key it generates (a labelled ConfigMap, as a cluster admin would) and writes what a Nix user needs into the state
 * directory: the key, a known_hosts pinning the gateway's host key, an ssh_config whose Host alias carries address,
 * port and key (Nix 2.8 takes no port in a store URI), and a machines file with one line per pool plus {@code auto}.
 */
public final class LocalGateway {

    public static final String HOST_ALIAS = "nixpool-gateway";
    public static final String PROPERTY_ENABLED = "nixpool.gateway.enabled";
    public static final String PROPERTY_BIND = "nixpool.gateway.bind-address";
    public static final String PROPERTY_PORT = "nixpool.gateway.port";
    public static final String PROPERTY_ADDRESS = "nixpool.gateway.address";
    static final String HOST_KEY_SECRET = "nixpool-gateway-host-key";
    static final String CLIENTS_CONFIGMAP = "nixpool-local-clients";
    private static final Duration HOST_KEY_WAIT = Duration.ofSeconds(30);

    private final Path dir;
    private final int port;

    private LocalGateway(Path dir, int port) {
        this.dir = dir;
        this.port = port;
    }

    /**
     * The operator settings that start the gateway on 127.0.0.1:{@code port}; the pools' machines lines name it by the
     * ssh_config alias this writes (which carries address and port), as the machines file does.
     */
    public static Map<String, String> properties(int port) {
        return Map.of(PROPERTY_ENABLED, "true", PROPERTY_BIND, "127.0.0.1", PROPERTY_PORT, Integer.toString(port),
                PROPERTY_ADDRESS, HOST_ALIAS);
    }

    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot find a free loopback port for the gateway", e);
        }
    }

    /**
     * Authorises a fresh client key for the pools of {@code namespace} and writes the client's files under {@code dir}
     * once the operator has made the gateway's host key.
     */
    public static LocalGateway setUp(KubernetesClient client, String namespace, Path dir, int port) {
        try {
            Files.createDirectories(dir);
            OpenSshKeyPair key = SshKeyGenerator.generateEd25519("nixpool-local-client");
            Path identity = dir.resolve("id_ed25519");
            Files.writeString(identity, key.privateKey());
            Files.setPosixFilePermissions(identity, PosixFilePermissions.fromString("rw-------"));
            Files.writeString(dir.resolve("id_ed25519.pub"), key.publicKey() + "\n");
            client.resource(new ConfigMapBuilder().withNewMetadata().withNamespace(namespace)
                    .withName(CLIENTS_CONFIGMAP).addToLabels(ClientGrants.LABEL, "true").endMetadata()
                    .withData(Map.of("local.pub", key.publicKey())).build()).createOr(c -> c.update());
            String hostKey = awaitHostKey(client, namespace);
            Files.writeString(dir.resolve("known_hosts"), HOST_ALIAS + " " + hostKey + "\n");
            Files.writeString(dir.resolve("ssh_config"), String.join("\n",
                    "# Nixpool local mode: the gateway on 127.0.0.1:" + port,
                    "Host " + HOST_ALIAS,
                    "  HostName 127.0.0.1",
                    "  Port " + port,
                    "  IdentityFile " + identity,
                    "  IdentitiesOnly yes",
                    "  HostKeyAlias " + HOST_ALIAS,
                    "  UserKnownHostsFile " + dir.resolve("known_hosts"),
                    "  StrictHostKeyChecking yes",
                    "  BatchMode yes",
                    ""));
            List<BuildMachine> pools = client.resources(BuildMachine.class).inNamespace(namespace).list().getItems();
            Files.writeString(dir.resolve("machines"), MachinesLines.file(pools, HOST_ALIAS, hostKey));
            return new LocalGateway(dir, port);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the gateway's client files under " + dir, e);
        }
    }

    private static String awaitHostKey(KubernetesClient client, String namespace) {
        long deadline = System.nanoTime() + HOST_KEY_WAIT.toNanos();
        while (true) {
            Secret s = client.secrets().inNamespace(namespace).withName(HOST_KEY_SECRET).get();
            if (s != null && s.getData() != null && s.getData().containsKey("ssh_host_ed25519_key.pub")) {
                return new String(Base64.getDecoder().decode(s.getData().get("ssh_host_ed25519_key.pub")),
                        StandardCharsets.UTF_8).strip();
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the operator did not create the gateway's host key Secret "
                        + namespace + "/" + HOST_KEY_SECRET + " within " + HOST_KEY_WAIT.toSeconds() + " s");
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for the gateway's host key", e);
            }
        }
    }

    public Path dir() {
        return dir;
    }

    public int port() {
        return port;
    }

    public Path sshConfig() {
        return dir.resolve("ssh_config");
    }

    public Path machines() {
        return dir.resolve("machines");
    }

    /** The exact command a Nix user on this machine runs. */
    public String nixBuildCommand() {
        return "NIX_SSHOPTS=\"-F " + sshConfig() + "\" nix-build --max-jobs 0 --builders @" + machines()
                + " <file.nix>";
    }
}

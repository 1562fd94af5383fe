package dev.nixpool.runtime;

import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;

import dev.nixpool.ssh.OpenSshKeyPair;
import dev.nixpool.ssh.SshKeyGenerator;

/**
 * Builder Secrets and pods written by hand after docs/builder-contract.md, the way the operator's renderer makes them.
 */
final class BuilderPodFixture {

    static final int SSH_PORT = 2222;

    private BuilderPodFixture() {
    }

    /** The two key pairs of one builder. */
    record BuilderKeys(OpenSshKeyPair host, OpenSshKeyPair client) {

        static BuilderKeys generate() {
            return new BuilderKeys(SshKeyGenerator.generateEd25519("builder-host"),
                    SshKeyGenerator.generateEd25519("nixpool-operator"));
        }

        /** The contract's five keys. */
        Secret toSecret(String namespace, String name) {
            Map<String, String> data = new LinkedHashMap<>();
            data.put("ssh_host_ed25519_key", base64(host.privateKey()));
            data.put("ssh_host_ed25519_key.pub", base64(host.publicKey() + "\n"));
            data.put("authorized_keys", base64(client.publicKey() + "\n"));
            data.put("client_ed25519_key", base64(client.privateKey()));
            data.put("client_ed25519_key.pub", base64(client.publicKey() + "\n"));
            return new SecretBuilder().withNewMetadata().withName(name).withNamespace(namespace).endMetadata()
                    .withType("Opaque").withData(data).build();
        }

        private static String base64(String text) {
            return Base64.getEncoder().encodeToString(text.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        }
    }

    /**
     * The contract's environment for an offline builder: no substituters and no trusted keys, so the builder's nix.conf
     * (written by the entrypoint from these variables) never reaches for the network, whatever /etc/nix/nix.conf says.
     */
    static List<EnvVar> offlineBuilderEnv() {
        List<EnvVar> env = new ArrayList<>();
        env.add(new EnvVar("NIXPOOL_SSH_PORT", String.valueOf(SSH_PORT), null));
        env.add(new EnvVar("NIXPOOL_SYSTEMS", "x86_64-linux", null));
        env.add(new EnvVar("NIXPOOL_SYSTEM_FEATURES", "big-parallel", null));
        env.add(new EnvVar("NIXPOOL_MAX_JOBS", "1", null));
        env.add(new EnvVar("NIXPOOL_SUBSTITUTERS", "", null));
        env.add(new EnvVar("NIXPOOL_TRUSTED_PUBLIC_KEYS", "", null));
        return env;
    }

    static Pod builderPod(String namespace, String name, String secretName, List<EnvVar> env) {
        return new PodBuilder().withNewMetadata().withName(name).withNamespace(namespace)
                .addToLabels("app.kubernetes.io/managed-by", "nixpool")
                .addToLabels("app.kubernetes.io/component", "builder").addToLabels("nixpool.dev/build", name)
                .addToLabels("nixpool.dev/machine", "default").addToLabels("nixpool.dev/attempt", "1").endMetadata()
                .withNewSpec().withRestartPolicy("Never").withAutomountServiceAccountToken(false)
                .withEnableServiceLinks(false).addToNodeSelector("kubernetes.io/arch", "amd64")
                .addNewContainer().withName("builder").withImage("ghcr.io/nixpool/builder:dev")
                .addNewPort().withName("ssh").withContainerPort(SSH_PORT).withProtocol("TCP").endPort()
                .withEnv(env)
                .addNewVolumeMount().withName("ssh-keys").withMountPath("/etc/nixpool/ssh").withReadOnly(true)
                .endVolumeMount()
                .withNewReadinessProbe().withNewTcpSocket().withNewPort("ssh").endTcpSocket().withPeriodSeconds(1)
                .endReadinessProbe()
                .withNewResources().addToRequests("cpu", new io.fabric8.kubernetes.api.model.Quantity("1"))
                .endResources().endContainer()
                .addNewVolume().withName("ssh-keys").withNewSecret().withSecretName(secretName).withDefaultMode(0400)
                .addNewItem().withKey("ssh_host_ed25519_key").withPath("ssh_host_ed25519_key").endItem()
                .addNewItem().withKey("ssh_host_ed25519_key.pub").withPath("ssh_host_ed25519_key.pub").endItem()
                .addNewItem().withKey("authorized_keys").withPath("authorized_keys").endItem().endSecret()
                .endVolume().endSpec().build();
    }
}

package dev.nixpool.gatewayops;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;

import dev.nixpool.MockApiServer;
import dev.nixpool.TestResources;
import dev.nixpool.api.v1alpha1.BuildMachine;
import dev.nixpool.nix.machines.Machine;
import dev.nixpool.nix.machines.MachinesFile;

/** The machines line a pool's status carries: the gateway's address and the host key its Secret holds. */
class GatewayIdentityTest {

    private static final String SECRET = "nixpool-gateway-host-key";

    @RegisterExtension
    final MockApiServer api = new MockApiServer();
    private final KubernetesClient client = api.client();

    @Test
    void aPoolsLineNamesThePoolAtTheServiceAddressWithTheHostKeyOfTheSecret() throws Exception {
        GatewayIdentity identity = new GatewayIdentity(client, true, Optional.of("nixpool-system"), SECRET,
                Optional.empty());
        BuildMachine kvm = TestResources.machine("team-a", "kvm", 2, List.of("x86_64-linux"),
                List.of("kvm", "nixos-test"), List.of("kvm"));
        kvm.getSpec().setMaxJobs(3);
        kvm.getSpec().setSpeedFactor(2.0);

        String line = identity.machinesLine(kvm, List.of(kvm)).orElseThrow();

        Secret secret = client.secrets().inNamespace("nixpool-system").withName(SECRET).get();
        String publicKey = new String(Base64.getDecoder().decode(secret.getData().get(GatewayHostKey.PUBLIC)),
                StandardCharsets.UTF_8).strip();
        String b64 = Base64.getEncoder().encodeToString(publicKey.getBytes(StandardCharsets.UTF_8));
        assertThat(line).isEqualTo("ssh://kvm@nixpool-gateway.nixpool-system.svc x86_64-linux - 6 2 kvm,nixos-test kvm "
                + b64);
        Machine parsed = MachinesFile.parse(line).get(0);
        assertThat(parsed.maxJobs()).isEqualTo(6);
        assertThat(parsed.mandatoryFeatures()).containsExactly("kvm");
        // the key is read once and kept: the Secret's later fate does not change the lines
        client.secrets().inNamespace("nixpool-system").withName(SECRET).delete();
        assertThat(identity.machinesLine(kvm, List.of(kvm))).contains(line);
    }

    @Test
    void aConfiguredAddressIsUsedAndANameSharedAcrossNamespacesIsQualified() {
        GatewayIdentity identity = new GatewayIdentity(client, true, Optional.of("ops"), SECRET,
                Optional.of("builders.example.com"));
        BuildMachine a = TestResources.machine("team-a", "small", 1, List.of("x86_64-linux"), List.of(), List.of());
        BuildMachine b = TestResources.machine("team-b", "small", 1, List.of("aarch64-linux"), List.of(), List.of());
        BuildMachine c = TestResources.machine("team-b", "big", 1, List.of("aarch64-linux"), List.of(), List.of());

        assertThat(identity.machinesLine(a, List.of(a, b, c)).orElseThrow())
                .startsWith("ssh://team-a.small@builders.example.com x86_64-linux - 1 1 - - ");
        assertThat(identity.machinesLine(c, List.of(a, b, c)).orElseThrow())
                .startsWith("ssh://big@builders.example.com aarch64-linux ");
    }

    @Test
    void noLineWhenTheGatewayIsOffAndNoSecretIsMade() {
        GatewayIdentity identity = new GatewayIdentity(client, false, Optional.of("ops"), SECRET, Optional.empty());
        BuildMachine a = TestResources.machine("team-a", "small", 1, List.of("x86_64-linux"), List.of(), List.of());

        assertThat(identity.machinesLine(a, List.of(a))).isEmpty();
        assertThat(client.secrets().inNamespace("ops").withName(SECRET).get()).isNull();
    }
}

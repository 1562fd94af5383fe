package dev.nixpool.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.PublicKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.nixpool.nix.store.StorePath;
import dev.nixpool.nix.testing.ClientStoreHelper;
import dev.nixpool.nix.testing.LocalNixStore;
import dev.nixpool.nix.testing.ProcessResult;
import dev.nixpool.ssh.ClientKeys;
import dev.nixpool.ssh.HostKeys;
import dev.nixpool.ssh.OpenSshKeyPair;
import dev.nixpool.ssh.SshKeyGenerator;
import dev.nixpool.ssh.SshTimeouts;
import dev.nixpool.testing.LoopbackSshd;

/**
 * An unmodified Nix 2.8 client (its own store, a separate process, OpenSSH) using the gateway as its ssh:// and
 * ssh-ng:// remote builder, with a real sshd + Nix builder (its own store) behind a broker that leases it at once.
 */
class GatewayNixClientIT {

    @TempDir
    Path tmp;

    private LoopbackSshd builder;
    private LocalNixStore client;
    private GatewayServer gateway;
    private SshBuilderDialer dialer;
    private FakeBroker broker;
    private OpenSshKeyPair clientKey;
    private OpenSshKeyPair gatewayHostKey;
    private final List<String> seenKeys = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        builder = LoopbackSshd.start();
        client = LocalNixStore.create("gateway-client");
        clientKey = SshKeyGenerator.generateEd25519("alice@laptop");
        gatewayHostKey = SshKeyGenerator.generateEd25519("gateway");
        PublicKey allowed = HostKeys.parse(clientKey.publicKey());
        broker = new FakeBroker(FakeBroker.pool("small")).leaseImmediately(new BuilderLease("builder-0",
                builder.address(), builder.port(), builder.target().user(), builder.clientKey().privateKey(),
                builder.hostKey().publicKey()));
        dialer = new SshBuilderDialer(SshTimeouts.defaults(), Duration.ofSeconds(30));
        KeyPair hostKey = ClientKeys.load(gatewayHostKey.privateKey(), "the gateway host key");
        gateway = new GatewayServer("127.0.0.1", 0, hostKey, key -> {
            synchronized (seenKeys) {
                seenKeys.add(HostKeys.fingerprint(key));
            }
            return key.equals(allowed)
                    ? Optional.of(new ClientIdentity("alice", HostKeys.fingerprint(key)))
                    : Optional.empty();
        }, broker, dialer, new GatewayLimits(tmp.resolve("spool"), 1L << 30, 1L << 32, 1024, 1 << 24, 16,
                Duration.ofMinutes(10)));
        gateway.start();
    }

    @AfterEach
    void stop() throws Exception {
        gateway.close();
        dialer.close();
        client.close();
        builder.close();
    }

    @Test
    void storePingAnswersWithoutQueueingABuild() throws Exception {
        ProcessResult ping = nix(sshConfig("small", clientKey), "nix", "store", "ping", "--store", "ssh://gateway");

        assertThat(ping.exitCode()).as(ping.stderr()).isZero();
        assertThat(broker.tickets).isEmpty();
    }

    @Test
    void sshNgStorePingAnswersWithoutQueueingABuild() throws Exception {
        ProcessResult ping = nix(sshConfig("small", clientKey), "nix", "store", "ping", "--store",
                "ssh-ng://gateway");

        assertThat(ping.exitCode()).as(ping.stderr()).isZero();
        assertThat(ping.stderr() + ping.stdoutText()).contains("Version: " + WorkerEndpoint.NIX_VERSION);
        assertThat(broker.tickets).isEmpty();
    }

    @Test
    void sshNgToAnUnknownPoolSaysWhichPoolsTheKeyMayUse() throws Exception {
        ProcessResult ping = nix(sshConfig("large", clientKey), "nix", "store", "ping", "--store",
                "ssh-ng://gateway");

        assertThat(ping.exitCode()).isNotZero();
        assertThat(ping.stderr()).contains("no pool 'large' that key alice may use").contains("ns/small");
        assertThat(broker.tickets).isEmpty();
    }

    @Test
    void aDerivationWithLocallyBuiltInputsBuildsOnTheBuilderAndComesBackWithTheLocalNarHash() throws Exception {
        buildsThroughTheGateway("ssh");
    }

    @Test
    void overSshNgADerivationWithLocallyBuiltInputsBuildsOnTheBuilderAndComesBackWithTheLocalNarHash()
            throws Exception {
        buildsThroughTheGateway("ssh-ng");
    }

    private void buildsThroughTheGateway(String scheme) throws Exception {
        String nonce = UUID.randomUUID().toString();
        Path dep = write("dep.nix", "derivation { name = \"gw-dep\"; system = builtins.currentSystem; builder = "
                + "\"/bin/sh\"; args = [ \"-c\" \"echo dep-" + nonce + " > $out\" ]; }");
        Path main = write("main.nix", "let dep = import ./dep.nix; in derivation { name = \"gw-main\"; system = "
                + "builtins.currentSystem; builder = \"/bin/sh\"; args = [ \"-c\" \"read x < ${dep}; "
                + "echo \\\"$x through the gateway\\\" > $out\" ]; }");
        String depOut = client.runOk("nix-build", "--no-out-link", "--builders", "", dep.toString());

        ProcessResult remote = nix(sshConfig("small", clientKey), "nix-build", "--no-out-link", "--max-jobs", "0",
                "--builders", scheme + "://gateway x86_64-linux - 1 1 - - -", main.toString());

        assertThat(remote.exitCode()).as(remote.stderr()).isZero();
        StorePath out = StorePath.parse(remote.stdoutText().trim());
        assertThat(remote.stderr()).contains("on '" + scheme + "://gateway'");
        // ssh://: the gateway's lines on SSH stderr, the build log; ssh-ng://: the daemon's in-band messages
        assertThat(remote.stderr()).contains("nixpool: NixBuild ns/test queued on pool ns/small");
        assertThat(Files.readString(client.realPath(out))).isEqualTo("dep-" + nonce + " through the gateway\n");
        assertThat(builder.store().realPath(out)).exists();
        assertThat(builder.store().realPath(StorePath.parse(depOut))).as("the uploaded input").exists();
        FakeBroker.Ticket ticket = broker.tickets.get(0);
        assertThat(ticket.build.drvPath().name()).isEqualTo("gw-main.drv");
        assertThat(ticket.outcome.result().success()).isTrue();
        assertThat(ticket.outcome.outputs()).extracting(o -> o.path()).containsExactly(out);
        assertThat(ticket.log).anyMatch(l -> l.contains("1 of 1 uploaded paths copied to the builder"));
        // the gateway sees the client hang up a moment after nix-build returned
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(ticket.closed).isTrue();
            assertThat(gateway.spooledBytes()).isZero();
        });

        try (LocalNixStore reference = LocalNixStore.create("gateway-reference")) {
            Files.copy(dep, reference.workDir().resolve("dep.nix"));
            Files.copy(main, reference.workDir().resolve("main.nix"));
            String local = reference.runOk("nix-build", "--no-out-link", "--builders", "",
                    reference.workDir().resolve("main.nix").toString());
            assertThat(local).isEqualTo(out.toString());
            assertThat(ClientStoreHelper.pathInfo(client, out).narHash())
                    .isEqualTo(ClientStoreHelper.pathInfo(reference, out).narHash());
        }
    }

    @Test
    void anUnknownKeyIsRefusedAtAuthenticationAndTheLogKnowsOnlyItsFingerprint() throws Exception {
        OpenSshKeyPair stranger = SshKeyGenerator.generateEd25519("mallory");
        ProcessResult ping = nix(sshConfig("small", stranger), "nix", "store", "ping", "--store", "ssh://gateway");

        assertThat(ping.exitCode()).isNotZero();
        assertThat(ping.stderr()).contains("Permission denied (publickey)");
        assertThat(seenKeys).contains(HostKeys.fingerprint(HostKeys.parse(stranger.publicKey())));
        assertThat(broker.tickets).isEmpty();
    }

    @Test
    void otherCommandsAndShellsAreRefusedWithOneLine() throws Exception {
        Path config = sshConfig("small", clientKey);
        ProcessResult ls = client.run("ssh", "-F", config.toString(), "gateway", "ls", "/");
        assertThat(ls.exitCode()).isEqualTo(1);
        assertThat(ls.stderr().strip()).isEqualTo(
                "nixpool gateway: 'ls' is not available; " + GatewayCommand.PURPOSE);

        ProcessResult shell = client.run("ssh", "-F", config.toString(), "-T", "gateway");
        assertThat(shell.exitCode()).isEqualTo(1);
        assertThat(shell.stderr()).contains("interactive shells are not available");

        ProcessResult daemon = client.run("ssh", "-F", config.toString(), "gateway", "nix-daemon", "--stdio",
                "--store", "/tmp/x");
        assertThat(daemon.stderr()).contains("only 'nix-daemon --stdio' is served");

        assertThat(broker.tickets).isEmpty();
    }

    private ProcessResult nix(Path sshConfig, String... argv) throws Exception {
        List<String> command = new ArrayList<>(List.of("env", "NIX_SSHOPTS=-F " + sshConfig));
        command.addAll(List.of(argv));
        return client.run(command.toArray(String[]::new));
    }

    private Path write(String name, String text) throws Exception {
        Path file = client.workDir().resolve(name);
        Files.writeString(file, text, StandardCharsets.UTF_8);
        return file;
    }

    private Path sshConfig(String user, OpenSshKeyPair key) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("ssh-" + user + "-" + UUID.randomUUID()));
        Path identity = dir.resolve("id_ed25519");
        Files.writeString(identity, key.privateKey());
        Files.setPosixFilePermissions(identity, PosixFilePermissions.fromString("rw-------"));
        Path knownHosts = dir.resolve("known_hosts");
        Files.writeString(knownHosts, "nixpool-gateway " + gatewayHostKey.publicKey() + "\n");
        Path config = dir.resolve("ssh_config");
        Files.writeString(config, String.join("\n", "Host gateway", "  HostName 127.0.0.1",
                "  Port " + gateway.port(), "  User " + user, "  IdentityFile " + identity, "  IdentitiesOnly yes",
                "  HostKeyAlias nixpool-gateway", "  UserKnownHostsFile " + knownHosts,
                "  StrictHostKeyChecking yes", "  BatchMode yes", ""));
        return config;
    }
}

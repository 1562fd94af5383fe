package dev.nixpool.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.OutputStream;
import java.time.Duration;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import dev.nixpool.nix.store.StorePath;
import dev.nixpool.nix.store.ValidPathInfo;
import dev.nixpool.nix.testing.ClientStoreHelper;
import dev.nixpool.remote.BuilderCredentials;
import dev.nixpool.ssh.SshTimeouts;
import dev.nixpool.testing.LoopbackSshd;

/**
 * ssh-ng:// against the real thing: a loopback sshd whose forced command is {@code nix-daemon --stdio} (Nix 2.8) on a
 * store of its own, as a store host locks down its uploaders' key. The closure arrives references first with our
 * signature, which the store checked against its own {@code trusted-public-keys} ({@code nix store verify
 * --sigs-needed 1} there agrees); a second copy sends nothing; a store that does not trust the key refuses the path
 * with Nix's own message, and nothing of it is left there.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DaemonStoreAgainstNixIT {

    private static final String FORCED = "exec nix-daemon --stdio";

    private BuiltClosure built;
    private SshDaemonStores stores;

    @BeforeAll
    void build() throws Exception {
        built = BuiltClosure.build("daemon-store");
        stores = new SshDaemonStores(SshTimeouts.defaults(), Duration.ofSeconds(30), Duration.ofSeconds(30));
    }

    @AfterAll
    void remove() throws Exception {
        if (stores != null) {
            stores.close();
        }
        if (built != null) {
            built.close();
        }
    }

    @Test
    void theClosureArrivesSignedAndTheStoreVerifiesIt() throws Exception {
        try (LoopbackSshd sshd = LoopbackSshd.builder().beforeCommand(FORCED)
                .nixConf("trusted-public-keys = " + built.publicKey).start()) {
            StoreCopier.Report report = copy(sshd);
            assertThat(report.copied()).as("references first").containsExactly(built.dependency(), built.output);
            assertThat(report.alreadyPresent()).isEmpty();

            String out = built.output.toString();
            assertThat(sshd.store().run("nix", "store", "verify", "--sigs-needed", "1", "--trusted-public-keys",
                    built.publicKey.toString(), "-r", out).exitCode()).as("nix store verify --sigs-needed 1").isZero();
            assertThat(sshd.store().runOk("nix", "path-info", "--sigs", out)).contains("nixpool-it-1:");
            for (ValidPathInfo info : built.closure) {
                ValidPathInfo there = ClientStoreHelper.pathInfo(sshd.store(), info.path());
                assertThat(there.narHash()).isEqualTo(info.narHash());
                assertThat(there.references()).containsExactlyInAnyOrderElementsOf(info.references());
                assertThat(there.deriver()).isEqualTo(info.deriver());
            }

            StoreCopier.Report again = copy(sshd);
            assertThat(again.copied()).as("a second copy sends nothing").isEmpty();
            assertThat(again.alreadyPresent()).containsExactlyInAnyOrder(built.dependency(), built.output);
        }
    }

    @Test
    void aStoreThatDoesNotTrustTheKeyRefusesThePathWithNixsMessage() throws Exception {
        try (LoopbackSshd sshd = LoopbackSshd.builder().beforeCommand(FORCED)
                .nixConf("trusted-public-keys = someone-else-1:" + "A".repeat(43) + "=").start()) {
            assertThatThrownBy(() -> copy(sshd)).isInstanceOf(CacheStoreException.class)
                    .hasMessageContaining("ssh-ng://" + sshd.target().user() + "@" + sshd.address())
                    .hasMessageContaining("refused adding " + built.dependency())
                    .hasMessageContaining(
                            "cannot add path '" + built.dependency() + "' because it lacks a valid signature");
            assertThat(sshd.store().run("nix-store", "--check-validity", built.dependency().toString()).exitCode())
                    .as("nothing arrived").isNotZero();
        }
    }

    @Test
    void aLoginThatIsNotADaemonIsNamed() throws Exception {
        try (LoopbackSshd sshd = LoopbackSshd.builder().beforeCommand("echo no daemon here >&2; exit 3").start()) {
            assertThatThrownBy(() -> stores.open(destination(sshd))).isInstanceOf(CacheStoreException.class)
                    .hasMessageContaining("the nix-daemon handshake failed").hasMessageContaining("no daemon here");
        }
    }

    private StoreCopier.Report copy(LoopbackSshd sshd) throws Exception {
        try (DaemonStore store = stores.open(destination(sshd))) {
            return new StoreCopier(store, built.secretKey, built.store.workDir()).copy(built.closure,
                    (StorePath path, OutputStream nar) -> nar.write(ClientStoreHelper.nar(built.store, path)));
        }
    }

    private CacheDestination destination(LoopbackSshd sshd) {
        CacheUri uri = CacheUri.parse("ssh-ng://" + sshd.target().user() + "@" + sshd.address() + ":" + sshd.port());
        return new CacheDestination(uri, built.secretKey,
                new BuilderCredentials(sshd.clientKey().privateKey(), sshd.hostKey().publicKey()));
    }
}

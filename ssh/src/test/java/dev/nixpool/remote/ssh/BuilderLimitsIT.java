package dev.nixpool.remote.ssh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import dev.nixpool.nix.build.BuildOptions;
import dev.nixpool.nix.derivation.ATermParser;
import dev.nixpool.nix.derivation.Derivation;
import dev.nixpool.nix.store.NixHash;
import dev.nixpool.nix.wire.ReplyLimits;
import dev.nixpool.nix.wire.WireWriter;
import dev.nixpool.remote.BuildSource;
import dev.nixpool.remote.BuilderAddress;
import dev.nixpool.remote.BuilderCredentials;
import dev.nixpool.remote.BuilderException;
import dev.nixpool.remote.BuilderFailure;
import dev.nixpool.remote.BuilderSession;
import dev.nixpool.ssh.SshTimeouts;
import dev.nixpool.testing.Closeables;
import dev.nixpool.testing.LoopbackSshd;

/**
 * Hostile builders against the total bounds (real sshd, logins that fake {@code nix-store --serve} or print noise):
 * one that logs without end during a build, one that answers QueryPathInfos with infos without end, one whose
 * evaluation logs more than the limit. Each call must end with
 * {@link BuilderFailure#LIMIT_EXCEEDED} naming the limit, long before any time limit.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BuilderLimitsIT {

    private static final String FAKE_HANDSHAKE = "printf '\\313\\356\\122\\124\\000\\000\\000\\000\\007\\002\\000\\000"
            + "\\000\\000\\000\\000'";
    private static final String OUT = "/nix/store/g9v7xy7pc4hwxmpmddw8fg8jhpqlzzps-t";
    private static final String DRV = "/nix/store/0a9ddapbi3wldfn3qfxnqmc6n5gdg8dl-t.drv";
    private static final BuilderLimits LIMITS = new BuilderLimits(new ReplyLimits(1 << 20, 1000), 64 * 1024);

    private LoopbackSshd chatty;
    private LoopbackSshd hoarder;
    private LoopbackSshd noisy;
    private SshBuilderConnector connector;

    @BeforeAll
    void start() throws Exception {
        chatty = LoopbackSshd.builder()
                .beforeCommand(FAKE_HANDSHAKE + "; exec yes 'a log line of a builder that never stops' >&2").start();
        hoarder = LoopbackSshd.builder().beforeCommand(FAKE_HANDSHAKE + "; " + printfForever(endlessInfo())).start();
        // a real builder whose login prints 200 kB to stderr before every command
        noisy = LoopbackSshd.builder().beforeCommand("yes 'noise from the login' | head -c 200000 >&2").start();
        connector = new SshBuilderConnector(new BuilderTimeouts(SshTimeouts.uniform(Duration.ofSeconds(10)),
                Duration.ofSeconds(10), Duration.ofSeconds(60), Duration.ofSeconds(60)), LIMITS);
    }

    @AfterAll
    void stop() throws Exception {
        Closeables.closeAll(connector, chatty, hoarder, noisy);
    }

    @Test
    void endlessLogEndsTheBuildWithLimitExceeded() throws Exception {
        Derivation drv = ATermParser.parse("Derive([(\"out\",\"" + OUT + "\",\"\",\"\")],[],[],\"x86_64-linux\","
                + "\"/bin/sh\",[\"-c\",\"echo > $out\"],[(\"out\",\"" + OUT + "\")])");
        List<String> log = new CopyOnWriteArrayList<>();
        long start = System.nanoTime();
        try (BuilderSession s = open(chatty)) {
            assertThatThrownBy(() -> s.build(DRV, drv, BuildOptions.DEFAULTS, log::add))
                    .isInstanceOfSatisfying(BuilderException.class, e -> {
                        assertThat(e.failure()).isEqualTo(BuilderFailure.LIMIT_EXCEEDED);
                        assertThat(e.getMessage()).contains("logged more than 65536 bytes", "maxLogBytesPerBuild",
                                "stopped");
                    });
        }
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(30));
        // the log kept is the part within the limit
        assertThat(log).isNotEmpty();
        assertThat(log.stream().mapToLong(l -> LogBudget.utf8Length(l) + 1).sum()).isLessThanOrEqualTo(64 * 1024);
    }

    @Test
    void endlessPathInfosEndWithLimitExceeded() throws Exception {
        long start = System.nanoTime();
        try (BuilderSession s = open(hoarder)) {
            assertThatThrownBy(() -> s.queryPathInfos(List.of(OUT)))
                    .isInstanceOfSatisfying(BuilderException.class, e -> {
                        assertThat(e.failure()).isEqualTo(BuilderFailure.LIMIT_EXCEEDED);
                        assertThat(e.getMessage()).contains("maxPathsPerReply", "1000", "QueryPathInfos");
                    });
        }
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(30));
    }

    @Test
    void anEvaluationLoggingTooMuchIsRefusedWithLimitExceeded() throws Exception {
        List<String> log = new CopyOnWriteArrayList<>();
        try (BuilderSession s = open(noisy)) {
            assertThatThrownBy(() -> s.instantiate(new BuildSource.Expression("derivation { name = \"quiet\"; "
                    + "system = builtins.currentSystem; builder = \"/bin/sh\"; args = [ \"-c\" \"echo > $out\" ]; }"),
                    log::add)).isInstanceOfSatisfying(BuilderException.class, e -> {
                        assertThat(e.failure()).isEqualTo(BuilderFailure.LIMIT_EXCEEDED);
                        assertThat(e.getMessage()).contains("evaluating", "logged more than 65536 bytes");
                    });
        }
        assertThat(log.stream().mapToLong(l -> LogBudget.utf8Length(l) + 1).sum()).isLessThanOrEqualTo(64 * 1024);
    }

    private BuilderSession open(LoopbackSshd sshd) throws BuilderException {
        return connector.open(new BuilderAddress(sshd.address(), sshd.port(), sshd.target().user()),
                new BuilderCredentials(sshd.clientKey().privateKey(), sshd.hostKey().publicKey()));
    }

    /** One QueryPathInfos record at serve 2.7: the path, no deriver, itself as reference, sizes, hash, no CA/sigs. */
    private static byte[] endlessInfo() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        new WireWriter(bytes).writeString(OUT).writeString("").writeStrings(List.of(OUT)).writeU64(1).writeU64(1)
                .writeString(NixHash.sha256Of(new byte[0]).toPrefixedNix32()).writeString("").writeU64(0).flush();
        return bytes.toByteArray();
    }

    /** A shell loop printing {@code bytes} until the reader hangs up. */
    private static String printfForever(byte[] bytes) {
        StringBuilder format = new StringBuilder();
        for (byte b : bytes) {
            format.append(String.format("\\%03o", b & 0xff));
        }
        return "while printf '" + format + "'; do :; done";
    }
}

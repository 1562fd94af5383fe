package dev.nixpool.remote.ssh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import com.fasterxml.jackson.databind.JsonNode;

import dev.nixpool.nix.build.BuildOptions;
import dev.nixpool.nix.build.BuildResult;
import dev.nixpool.nix.build.BuildStatus;
import dev.nixpool.nix.derivation.ATermParser;
import dev.nixpool.nix.derivation.Derivation;
import dev.nixpool.nix.serve.PathInfo;
import dev.nixpool.nix.store.NixHash;
import dev.nixpool.nix.store.StorePath;
import dev.nixpool.nix.testing.ClientStoreHelper;
import dev.nixpool.nix.testing.LocalNixStore;
import dev.nixpool.remote.BuildSource;
import dev.nixpool.remote.BuilderAddress;
import dev.nixpool.remote.BuilderConnection;
import dev.nixpool.remote.BuilderCredentials;
import dev.nixpool.remote.BuilderException;
import dev.nixpool.remote.BuilderFailure;
import dev.nixpool.remote.BuilderSession;
import dev.nixpool.remote.NixSettings;
import dev.nixpool.ssh.HostKeys;
import dev.nixpool.ssh.OpenSshKeyPair;
import dev.nixpool.ssh.SshKeyGenerator;
import dev.nixpool.ssh.SshTimeouts;
import dev.nixpool.testing.Closeables;
import dev.nixpool.testing.LoopbackSshd;
import dev.nixpool.testing.SilentTcpServer;

/**
 * {@link SshBuilderConnector} against real OpenSSH sshds with their own Nix stores (real Nix 2.8): health check
 * diagnoses, evaluation of expressions and flakes on the builder, substitution of derivation paths from a signed
 * {@code file://} binary cache, builds with Nix's time limits, cancellation, and peers that break the protocol.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SshBuilderSessionIT {

    /** The handshake bytes of a serve 2.7 server, then whatever the test's fake prints. */
    private static final String FAKE_HANDSHAKE = "printf '\\313\\356\\122\\124\\000\\000\\000\\000\\007\\002\\000\\000"
            + "\\000\\000\\000\\000'";
    private static final Duration BOUND = Duration.ofSeconds(60);

    private final String nonce = Long.toHexString(new Random().nextLong() & 0xffffffffL);

    /** The client side: makes .drv files and fills the binary cache, so what the builder has came from there. */
    private LocalNixStore client;
    private Path cache;
    private LoopbackSshd builder;
    private LoopbackSshd banner;
    private LoopbackSshd noNix;
    private LoopbackSshd garbage;
    private LoopbackSshd mute;
    private SshBuilderConnector connector;

    @BeforeAll
    void start() throws Exception {
        client = LocalNixStore.create("session-client");
        Path work = client.workDir();
        cache = Files.createDirectories(work.resolve("cache"));
        client.runOk("nix-store", "--generate-binary-cache-key", "nixpool-test-" + nonce,
                work.resolve("cache.sec").toString(), work.resolve("cache.pub").toString());
        builder = LoopbackSshd.builder().nixConf("substituters = file://" + cache + "\ntrusted-public-keys = "
                + Files.readString(work.resolve("cache.pub")).strip()).start();
        banner = LoopbackSshd.builder().banner("Welcome to the nixpool test builder!").start();
        noNix = LoopbackSshd.builder().withoutNixStoreOnPath().start();
        garbage = LoopbackSshd.builder().beforeCommand(FAKE_HANDSHAKE + "; exec yes").start();
        mute = LoopbackSshd.builder().beforeCommand(FAKE_HANDSHAKE + "; exec cat >/dev/null").start();
        connector = new SshBuilderConnector(timeouts(Duration.ofSeconds(20)));
    }

    @AfterAll
    void stop() throws Exception {
        Closeables.closeAll(connector, builder, banner, noNix, garbage, mute, client);
    }

    private static BuilderTimeouts timeouts(Duration operation) {
        return new BuilderTimeouts(SshTimeouts.uniform(Duration.ofSeconds(10)), Duration.ofSeconds(10), operation,
                Duration.ofSeconds(120));
    }

    private static BuilderAddress address(LoopbackSshd sshd) {
        return new BuilderAddress(sshd.address(), sshd.port(), sshd.target().user());
    }

    private static BuilderCredentials credentials(LoopbackSshd sshd) {
        return new BuilderCredentials(sshd.clientKey().privateKey(), sshd.hostKey().publicKey());
    }

    private BuilderSession open(LoopbackSshd sshd) throws BuilderException {
        return connector.open(address(sshd), credentials(sshd));
    }

    private static BuilderException failure(ThrowingCall call) {
        try {
            call.run();
        } catch (BuilderException e) {
            return e;
        } catch (Exception e) {
            throw new AssertionError("expected a BuilderException, got " + e, e);
        }
        throw new AssertionError("expected a BuilderException, got none");
    }

    @FunctionalInterface
    private interface ThrowingCall {
        void run() throws Exception;
    }

    private static String simpleDerivation(String name, String script) {
        return "derivation { name = \"" + name
                + "\"; system = builtins.currentSystem; builder = \"/bin/sh\"; args = [ \"-c\" \""
                + script.replace("\\", "\\\\").replace("\"", "\\\"") + "\" ]; }";
    }

    private String instantiate(BuilderSession s, String name, String script) throws BuilderException {
        return s.instantiate(new BuildSource.Expression(simpleDerivation(name + "-" + nonce, script)), line -> {
        });
    }

    private boolean validOnBuilder(String path) throws Exception {
        return builder.store().run("nix-store", "--check-validity", path).exitCode() == 0;
    }

    /**
     * Starts building {@code drv} (which prints {@code marker}, then never ends) on another thread and returns once the
     * marker came through the log; the future holds the BuildResult or the BuilderException.
     */
    private static CompletableFuture<Object> startEndlessBuild(BuilderSession s, String drv, Derivation d,
            String marker) throws Exception {
        CompletableFuture<String> started = new CompletableFuture<>();
        CompletableFuture<Object> build = CompletableFuture.supplyAsync(() -> {
            try {
                return s.build(drv, d, BuildOptions.DEFAULTS, line -> {
                    if (line.contains(marker)) {
                        started.complete(line);
                    }
                });
            } catch (BuilderException e) {
                return e;
            }
        });
        started.get(60, TimeUnit.SECONDS);
        return build;
    }

    // ---- open: the health check ------------------------------------------------------------------------------------

    @Test
    void openGreetsTheServeProtocolAndReportsTheHostKey() throws Exception {
        try (BuilderSession s = open(builder)) {
            assertThat(s.serveVersion()).isEqualTo(0x207);
            assertThat(s.hostKeyFingerprint())
                    .isEqualTo(HostKeys.fingerprint(HostKeys.parse(builder.hostKey().publicKey())));
        }
    }

    // ---- a kept connection: sessions in turn on one login --------------------------------------------------------

    @Test
    void aKeptConnectionServesBuildsInTurnOnOneLoginAndAPreparedEvaluatorLogsToTheBuildThatUsesIt()
            throws Exception {
        long loginsBefore = logins(builder);
        try (BuilderConnection connection = connector.connect(address(builder), credentials(builder))) {
            // as the operator's warming makes a spare: its evaluator started before its serve process
            try (BuilderSession spare = connection.preparedSession(NixSettings.NONE)) {
                for (int i = 1; i <= 2; i++) {
                    spare.prepare(); // as the operator does between builds: the evaluator waits on its stdin
                    List<String> log = new CopyOnWriteArrayList<>();
                    String name = "kept-" + i + "-" + nonce;
                    String drv = spare.instantiate(new BuildSource.Expression("builtins.trace \"evaluating-" + name
                            + "\" (" + simpleDerivation(name, "echo " + name + " > $out") + ")"), log::add);
                    Derivation d = spare.readDerivation(drv);
                    BuildResult r = spare.build(drv, d, BuildOptions.DEFAULTS, log::add);
                    assertThat(r.status()).as(r.errorMsg()).isEqualTo(BuildStatus.BUILT);
                    assertThat(log).as("the evaluator's stderr reaches the build that used it")
                            .anySatisfy(line -> assertThat(line).contains("evaluating-" + name));
                    assertThat(spare.reusable()).isTrue();
                }
            }
            assertThat(connection.isOpen()).as("closing a session leaves its connection open").isTrue();
            try (BuilderSession own = connection.session(NixSettings.of(List.of("file://" + cache), List.of()))) {
                String drv = instantiate(own, "kept-own", "echo own > $out");
                assertThat(own.build(drv, own.readDerivation(drv), BuildOptions.DEFAULTS, line -> {
                }).status()).isEqualTo(BuildStatus.BUILT);
            }
        }
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(logins(builder) - loginsBefore).as(builder.log()).isOne());
    }

    @Test
    void aSessionThatFailedIsNotReusable() throws Exception {
        try (BuilderConnection connection = connector.connect(address(garbage), credentials(garbage));
                BuilderSession s = connection.session(NixSettings.NONE)) {
            assertThat(s.reusable()).isTrue();
            failure(() -> s.queryPathInfos(List.of("/nix/store/" + "0".repeat(32) + "-absent")));
            assertThat(s.reusable()).as("its serve stream is out of step").isFalse();
            assertThat(connection.isOpen()).isTrue();
        }
    }

    private static long logins(LoopbackSshd sshd) {
        return sshd.log().lines().filter(line -> line.contains("Accepted publickey for ")).count();
    }

    @Test
    void anotherHostKeyIsAMismatch() throws Exception {
        OpenSshKeyPair other = SshKeyGenerator.generateEd25519("not-the-builder");
        BuilderException e = failure(() -> connector.open(address(builder),
                new BuilderCredentials(builder.clientKey().privateKey(), other.publicKey())));
        assertThat(e.failure()).isEqualTo(BuilderFailure.HOST_KEY_MISMATCH);
        assertThat(e.getMessage()).contains("host key mismatch",
                HostKeys.fingerprint(HostKeys.parse(other.publicKey())),
                HostKeys.fingerprint(HostKeys.parse(builder.hostKey().publicKey())));
    }

    @Test
    void aRefusedClientKeyIsAuthRefused() throws Exception {
        OpenSshKeyPair stranger = SshKeyGenerator.generateEd25519("stranger");
        BuilderException e = failure(() -> connector.open(address(builder),
                new BuilderCredentials(stranger.privateKey(), builder.hostKey().publicKey())));
        assertThat(e.failure()).isEqualTo(BuilderFailure.AUTH_REFUSED);
        assertThat(e.getMessage()).contains("refused the client key", "authorized_keys")
                .doesNotContain("PRIVATE KEY");
    }

    @Test
    void aLoginBannerIsAProtocolMismatchWithTheFix() {
        BuilderException e = failure(() -> open(banner));
        assertThat(e.failure()).isEqualTo(BuilderFailure.PROTOCOL_MISMATCH);
        assertThat(e.getMessage()).contains("Welcome to the nixpool test builder!", "printed text on stdout",
                "protocol mismatch", ">&2", "~/.bashrc");
    }

    @Test
    void noNixStoreOnThePathIsNixNotFound() {
        BuilderException e = failure(() -> open(noNix));
        assertThat(e.failure()).isEqualTo(BuilderFailure.NIX_NOT_FOUND);
        assertThat(e.getMessage()).contains("'nix-store' was not found", "exit status 127", "PATH");
    }

    @Test
    void aSilentTcpPeerFailsWithinTheSshLimits() throws Exception {
        try (SilentTcpServer silent = new SilentTcpServer("127.0.0.1");
                SshBuilderConnector quick = new SshBuilderConnector(
                        new BuilderTimeouts(SshTimeouts.uniform(Duration.ofSeconds(2)), Duration.ofSeconds(2),
                                Duration.ofSeconds(2), Duration.ofSeconds(2)))) {
            long start = System.nanoTime();
            BuilderException e = failure(() -> quick.open(new BuilderAddress("127.0.0.1", silent.port(), "root"),
                    credentials(builder)));
            assertThat(e.failure()).isEqualTo(BuilderFailure.UNREACHABLE);
            assertThat(e.getMessage()).contains("timed out after 2 s", "no SSH server answers");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(20));
        }
    }

    // ---- instantiate -----------------------------------------------------------------------------------------------

    @Test
    void anExpressionIsEvaluatedOnTheBuilder() throws Exception {
        List<String> log = new CopyOnWriteArrayList<>();
        String drv;
        try (BuilderSession s = open(builder)) {
            // quotes, $ and backquotes must reach the evaluator untouched: the text never passes a shell
            drv = s.instantiate(new BuildSource.Expression("builtins.trace \"evaluating-" + nonce + "\" ("
                    + simpleDerivation("expr-" + nonce, "echo '$HOME `x`' > $out") + ")"), log::add);
        }
        assertThat(drv).startsWith("/nix/store/").endsWith("-expr-" + nonce + ".drv");
        assertThat(validOnBuilder(drv)).isTrue();
        assertThat(Path.of(drv)).as("evaluated on the builder, not here").doesNotExist();
        assertThat(Files.readString(builder.store().realPath(StorePath.parse(drv)))).contains("echo '$HOME `x`'");
        // the evaluator's stderr reaches the log, but not Nix's warning about a GC root nobody needs here
        assertThat(log).anyMatch(l -> l.contains("trace: evaluating-" + nonce));
        assertThat(log).noneMatch(l -> l.contains("--add-root"));
    }

    @Test
    void anEvaluationErrorIsEvaluationFailedWithTheEvaluatorsText() throws Exception {
        List<String> log = new CopyOnWriteArrayList<>();
        try (BuilderSession s = open(builder)) {
            BuilderException e = failure(() -> s.instantiate(
                    new BuildSource.Expression("{ a = 1; }.b-" + nonce), log::add));
            assertThat(e.failure()).isEqualTo(BuilderFailure.EVALUATION_FAILED);
            assertThat(e.getMessage()).contains("evaluating the expression", "error: attribute 'b-" + nonce
                    + "' missing").doesNotContain("\u001b[");
            assertThat(log).anyMatch(l -> l.contains("b-" + nonce));
            // the session is still usable: evaluation runs on its own channel
            assertThat(instantiate(s, "after-error", "echo ok > $out")).endsWith(".drv");
        }
    }

    @Test
    void aLocalPathFlakeIsEvaluatedOnTheBuilder() throws Exception {
        Path flake = Files.createDirectories(client.workDir().resolve("flake-" + nonce));
        Files.writeString(flake.resolve("flake.nix"), "{ outputs = { self }: { packages.x86_64-linux.default = "
                + simpleDerivation("flake-" + nonce, "echo flake > $out").replace("builtins.currentSystem",
                        "\"x86_64-linux\"")
                + "; }; }\n");
        try (BuilderSession s = open(builder)) {
            String drv = s.instantiate(new BuildSource.Flake("path:" + flake), line -> {
            });
            assertThat(drv).endsWith("-flake-" + nonce + ".drv");
            assertThat(validOnBuilder(drv)).isTrue();
            BuilderException e = failure(() -> s.instantiate(new BuildSource.Flake("path:" + flake + "#nope"),
                    line -> {
                    }));
            assertThat(e.failure()).isEqualTo(BuilderFailure.EVALUATION_FAILED);
            assertThat(e.getMessage()).contains("error:", "nope");
            assertThat(failure(() -> s.instantiate(new BuildSource.Flake("--impure"), line -> {
            })).failure()).isEqualTo(BuilderFailure.EVALUATION_FAILED);
        }
    }

    @Test
    void aDerivationPathIsSubstitutedFromTheBuildersCache() throws Exception {
        StorePath drv = client.instantiate("cached-" + nonce,
                "let dep = " + simpleDerivation("cached-dep-" + nonce, "echo dep > $out") + "; in "
                        + simpleDerivation("cached-" + nonce, "echo ${dep} > $out"));
        client.runOk("nix", "copy", "--derivation", "--to",
                "file://" + cache + "?secret-key=" + client.workDir().resolve("cache.sec"), drv.toString());
        assertThat(validOnBuilder(drv.toString())).isFalse();
        try (BuilderSession s = open(builder)) {
            assertThat(s.instantiate(new BuildSource.DerivationPath(drv.toString()), line -> {
            })).isEqualTo(drv.toString());
            assertThat(validOnBuilder(drv.toString())).isTrue();
            BuildResult r = s.build(drv.toString(), s.readDerivation(drv.toString()), BuildOptions.DEFAULTS,
                    line -> {
                    });
            assertThat(r.status()).as(r.errorMsg()).isEqualTo(BuildStatus.BUILT);
        }
    }

    @Test
    void aDerivationPathNoSubstituterHasIsUnavailable() throws Exception {
        StorePath drv = client.instantiate("uncached-" + nonce, simpleDerivation("uncached-" + nonce, "echo > $out"));
        try (BuilderSession s = open(builder)) {
            BuilderException e = failure(() -> s.instantiate(new BuildSource.DerivationPath(drv.toString()),
                    line -> {
                    }));
            assertThat(e.failure()).isEqualTo(BuilderFailure.DERIVATION_UNAVAILABLE);
            assertThat(e.getMessage()).contains(drv.toString(), "spec.substituters");
            BuilderException bad = failure(() -> s.instantiate(new BuildSource.DerivationPath("/tmp/x.drv"),
                    line -> {
                    }));
            assertThat(bad.failure()).isEqualTo(BuilderFailure.DERIVATION_UNAVAILABLE);
            assertThat(bad.getMessage()).contains("expected a derivation path", "/tmp/x.drv");
        }
    }

    // ---- readDerivation and build ----------------------------------------------------------------------------------

    @Test
    void readDerivationEqualsTheDrvInTheBuildersStore() throws Exception {
        try (BuilderSession s = open(builder)) {
            String drv = instantiate(s, "read", "echo read > $out");
            Derivation parsed = s.readDerivation(drv);
            assertThat(parsed).isEqualTo(
                    ATermParser.parse(Files.readAllBytes(builder.store().realPath(StorePath.parse(drv)))));
            assertThat(parsed.outputs()).containsOnlyKeys("out");
        }
    }

    @Test
    void aBuildIsBuiltAndItsOutputsPathInfoMatchesNix() throws Exception {
        List<String> log = new CopyOnWriteArrayList<>();
        try (BuilderSession s = open(builder)) {
            String drv = instantiate(s, "ok", "echo building-" + nonce + "; echo hello > $out");
            Derivation d = s.readDerivation(drv);
            BuildResult r = s.build(drv, d, BuildOptions.DEFAULTS, log::add);
            assertThat(r.status()).as(r.errorMsg()).isEqualTo(BuildStatus.BUILT);
            String out = d.outputs().get("out").path();
            assertThat(r.builtOutputs().get("out").outPath()).isEqualTo(out);
            // the build's last stderr lines may come after its result (sshd reads stdout and stderr from two pipes)
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(log).contains("building-" + nonce));
            List<PathInfo> infos = s.queryPathInfos(List.of(out, "/nix/store/" + "0".repeat(32) + "-absent"));
            assertThat(infos).hasSize(1);
            JsonNode nix = ClientStoreHelper.pathInfoJson(builder.store(), StorePath.parse(out));
            assertThat(infos.get(0).path().toString()).isEqualTo(out);
            assertThat(infos.get(0).narHash()).isEqualTo(NixHash.parse(nix.get("narHash").asText()));
            assertThat(infos.get(0).narSize()).isEqualTo(nix.get("narSize").asLong());
        }
    }

    @Test
    void aDerivationWithAnInputDerivationBuildsItsInputFirst() throws Exception {
        try (BuilderSession s = open(builder)) {
            String drv = s.instantiate(new BuildSource.Expression("let a = "
                    + simpleDerivation("input-" + nonce, "echo input > $out") + "; in "
                    + simpleDerivation("top-" + nonce, "read x < ${a}; echo \"$x ${a}\" > $out")), line -> {
                    });
            Derivation d = s.readDerivation(drv);
            assertThat(d.inputDrvs()).hasSize(1);
            BuildResult r = s.build(drv, d, BuildOptions.DEFAULTS, line -> {
            });
            assertThat(r.status()).as(r.errorMsg()).isEqualTo(BuildStatus.BUILT);
            String input = s.readDerivation(d.inputDrvs().firstKey()).outputs().get("out").path();
            Path out = builder.store().realPath(StorePath.parse(d.outputs().get("out").path()));
            assertThat(Files.readString(out)).isEqualTo("input " + input + "\n");
            PathInfo info = s.queryPathInfos(List.of(d.outputs().get("out").path())).get(0);
            assertThat(info.references()).contains(StorePath.parse(input));
        }
    }

    @Test
    void aFailingBuildIsAPermanentFailureWithTheBuildersMessageInTheLog() throws Exception {
        List<String> log = new CopyOnWriteArrayList<>();
        try (BuilderSession s = open(builder)) {
            String drv = instantiate(s, "fail", "echo broken-" + nonce + " >&2; exit 3");
            BuildResult r = s.build(drv, s.readDerivation(drv), BuildOptions.DEFAULTS, log::add);
            assertThat(r.status()).isEqualTo(BuildStatus.PERMANENT_FAILURE);
            assertThat(r.errorMsg()).contains(drv);
            // the build's last stderr lines may come after its result (sshd reads stdout and stderr from two pipes)
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(log).contains("broken-" + nonce));
            // a failed build is an outcome: the session goes on
            assertThat(s.queryPathInfos(List.of(drv))).hasSize(1);
        }
    }

    @Test
    void buildTimeoutEndsABusyBuilderAsTimedOut() throws Exception {
        try (BuilderSession s = open(builder)) {
            String drv = instantiate(s, "busy", "echo busy; while :; do :; done");
            long start = System.nanoTime();
            BuildResult r = s.build(drv, s.readDerivation(drv), BuildOptions.DEFAULTS.withBuildTimeout(2), line -> {
            });
            assertThat(r.status()).as(r.errorMsg()).isEqualTo(BuildStatus.TIMED_OUT);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(BOUND);
        }
    }

    @Test
    void maxSilentTimeEndsASilentBuilderAsTimedOut() throws Exception {
        try (BuilderSession s = open(builder)) {
            String drv = instantiate(s, "silent", "while :; do :; done");
            BuildResult r = s.build(drv, s.readDerivation(drv), BuildOptions.DEFAULTS.withMaxSilentTime(2), line -> {
            });
            assertThat(r.status()).as(r.errorMsg()).isEqualTo(BuildStatus.TIMED_OUT);
            assertThat(r.errorMsg()).contains("silent");
        }
    }

    @Test
    void closeMidBuildStopsTheRemoteBuild() throws Exception {
        String marker = "cancelled-" + nonce;
        BuilderSession s = open(builder);
        String drv = instantiate(s, "cancel", "echo " + marker + "; while :; do :; done");
        Derivation d = s.readDerivation(drv);
        CompletableFuture<Object> build = startEndlessBuild(s, drv, d, marker);
        assertThat(builder.sessionProcesses()).anyMatch(p -> p.contains("--serve"));
        s.close();
        Object outcome = build.get(30, TimeUnit.SECONDS);
        assertThat(outcome).isInstanceOf(BuilderException.class);
        assertThat(((BuilderException) outcome).getMessage()).contains("closed");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(builder.sessionProcesses())
                .noneMatch(p -> p.contains(marker) || p.contains("--serve")));
        assertThat(validOnBuilder(d.outputs().get("out").path())).isFalse();
    }

    // ---- peers that break the protocol -----------------------------------------------------------------------------

    @Test
    void garbageAfterTheHandshakeIsAProtocolError() throws Exception {
        try (BuilderSession s = open(garbage)) {
            assertThat(s.serveVersion()).isEqualTo(0x207);
            long start = System.nanoTime();
            BuilderException e = failure(() -> s.queryPathInfos(List.of("/nix/store/" + "1".repeat(32) + "-x")));
            assertThat(e.failure()).isEqualTo(BuilderFailure.PROTOCOL_ERROR);
            assertThat(e.getMessage()).contains("querying path infos", "serve protocol does not allow");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(BOUND);
            BuilderException after = failure(() -> s.readDerivation("/nix/store/" + "1".repeat(32) + "-x.drv"));
            assertThat(after.getMessage()).contains("open a new one");
        }
    }

    @Test
    void aPeerThatStopsAnsweringFailsAfterTheOperationLimit() throws Exception {
        try (SshBuilderConnector quick = new SshBuilderConnector(timeouts(Duration.ofSeconds(2)));
                BuilderSession s = quick.open(address(mute), credentials(mute))) {
            long start = System.nanoTime();
            BuilderException e = failure(() -> s.readDerivation("/nix/store/" + "1".repeat(32) + "-x.drv"));
            assertThat(e.failure()).isEqualTo(BuilderFailure.PROTOCOL_ERROR);
            assertThat(e.getMessage()).contains("did not answer", "within 2 s");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofSeconds(2), BOUND);
        }
    }

    @Test
    void aBuilderThatDiesMidBuildIsUnreachable() throws Exception {
        try (LoopbackSshd frozen = LoopbackSshd.start();
                SshBuilderConnector watchful = new SshBuilderConnector(new BuilderTimeouts(
                        SshTimeouts.uniform(Duration.ofSeconds(10)).withKeepAlive(Duration.ofSeconds(1), 2),
                        Duration.ofSeconds(10), Duration.ofSeconds(20), Duration.ofSeconds(120)));
                BuilderSession s = watchful.open(address(frozen), credentials(frozen))) {
            String marker = "frozen-" + nonce;
            String drv = s.instantiate(new BuildSource.Expression(
                    simpleDerivation(marker, "echo " + marker + "; while :; do :; done")), line -> {
                    });
            CompletableFuture<Object> build = startEndlessBuild(s, drv, s.readDerivation(drv), marker);
            frozen.freeze();
            try {
                Object outcome = build.get(30, TimeUnit.SECONDS);
                assertThat(outcome).isInstanceOf(BuilderException.class);
                BuilderException e = (BuilderException) outcome;
                assertThat(e.failure()).isEqualTo(BuilderFailure.UNREACHABLE);
                assertThat(e.getMessage()).contains("connection to the builder was lost", "keep-alive");
            } finally {
                frozen.thaw();
            }
        }
    }
}

package dev.nixpool.remote.ssh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import dev.nixpool.nix.build.BuildOptions;
import dev.nixpool.nix.build.BuildResult;
import dev.nixpool.nix.build.BuildStatus;
import dev.nixpool.nix.derivation.Derivation;
import dev.nixpool.nix.store.StorePath;
import dev.nixpool.nix.testing.LocalNixStore;
import dev.nixpool.remote.BuildSource;
import dev.nixpool.remote.BuilderAddress;
import dev.nixpool.remote.BuilderCredentials;
import dev.nixpool.remote.BuilderException;
import dev.nixpool.remote.BuilderFailure;
import dev.nixpool.remote.BuilderSession;
import dev.nixpool.remote.NixSettings;
import dev.nixpool.ssh.SshTimeouts;
import dev.nixpool.testing.Closeables;
import dev.nixpool.testing.LoopbackSshd;

/**
 * Per-build Nix settings on a real sshd + Nix 2.8 builder whose nix.conf has no substituters at all: a signed
 * {@code file://} binary cache named only in the session's {@link NixSettings} serves the derivation (the
 * evaluation channel), an input's output (the serve channel, during the build) and a store path an expression needs
 * (evaluation); a key that did not sign the cache makes Nix refuse its input-addressed paths (a .drv, being
 * content-addressed, needs no signature).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SessionNixSettingsIT {

    private final String nonce = Long.toHexString(new Random().nextLong() & 0xffffffffL);

    /** Makes the derivations and their outputs and fills the cache; the builder has nothing of them. */
    private LocalNixStore client;
    private Path cache;
    private String publicKey;
    private String otherPublicKey;
    private LoopbackSshd builder;
    private SshBuilderConnector connector;

    @BeforeAll
    void start() throws Exception {
        client = LocalNixStore.create("settings-client");
        Path work = client.workDir();
        cache = Files.createDirectories(work.resolve("cache"));
        client.runOk("nix-store", "--generate-binary-cache-key", "nixpool-build-" + nonce,
                work.resolve("cache.sec").toString(), work.resolve("cache.pub").toString());
        client.runOk("nix-store", "--generate-binary-cache-key", "nixpool-other-" + nonce,
                work.resolve("other.sec").toString(), work.resolve("other.pub").toString());
        publicKey = Files.readString(work.resolve("cache.pub")).strip();
        otherPublicKey = Files.readString(work.resolve("other.pub")).strip();
        // LoopbackSshd's nix.conf says "substituters =": the builder knows no cache of its own
        builder = LoopbackSshd.builder().start();
        connector = new SshBuilderConnector(new BuilderTimeouts(SshTimeouts.uniform(Duration.ofSeconds(10)),
                Duration.ofSeconds(10), Duration.ofSeconds(20), Duration.ofSeconds(120)));
    }

    @AfterAll
    void stop() throws Exception {
        Closeables.closeAll(connector, builder, client);
    }

    private BuilderSession open(NixSettings settings) throws BuilderException {
        return connector.open(new BuilderAddress(builder.address(), builder.port(), builder.target().user()),
                new BuilderCredentials(builder.clientKey().privateKey(), builder.hostKey().publicKey()), settings);
    }

    private NixSettings theCache(String trustedKey) {
        return NixSettings.of(List.of("file://" + cache), List.of(trustedKey));
    }

    private static String simpleDerivation(String name, String script) {
        return "derivation { name = \"" + name
                + "\"; system = builtins.currentSystem; builder = \"/bin/sh\"; args = [ \"-c\" \""
                + script.replace("\\", "\\\\").replace("\"", "\\\"") + "\" ]; }";
    }

    /**
     * A derivation whose build only succeeds while {@code marker} exists: built on the client, then the marker goes,
     * so the builder can only have its output by substituting it.
     */
    private String buildableOnlyHere(String name, Path marker) {
        return simpleDerivation(name, "test -e " + marker + " && echo " + name + " > $out");
    }

    /** Signs {@code paths} (with their closures) into the cache. */
    private void copyToCache(boolean derivations, String... paths) throws Exception {
        List<String> argv = new ArrayList<>(List.of("nix", "copy"));
        if (derivations) {
            argv.add("--derivation");
        }
        argv.addAll(List.of("--to", "file://" + cache + "?secret-key=" + client.workDir().resolve("cache.sec")));
        argv.addAll(List.of(paths));
        client.runOk(argv.toArray(String[]::new));
    }

    private boolean validOnBuilder(String path) throws Exception {
        return builder.store().run("nix-store", "--check-validity", path).exitCode() == 0;
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

    @Test
    void aDerivationAndItsInputComeFromACacheGivenOnlyByTheBuild() throws Exception {
        Path marker = Files.createFile(client.workDir().resolve("input-buildable-" + nonce));
        String input = buildableOnlyHere("input-" + nonce, marker);
        StorePath inputDrv = client.instantiate("input-" + nonce, input);
        String inputOut = client.runOk("nix-store", "--realise", inputDrv.toString());
        StorePath drv = client.instantiate("top-" + nonce, "let input = " + input + "; in "
                + simpleDerivation("top-" + nonce, "read x < ${input}; echo \"top of $x\" > $out"));
        copyToCache(true, drv.toString());
        copyToCache(false, inputOut);
        Files.delete(marker);

        try (BuilderSession plain = open(NixSettings.NONE)) {
            BuilderException e = failure(() -> plain.instantiate(new BuildSource.DerivationPath(drv.toString()),
                    line -> {
                    }));
            assertThat(e.failure()).as(e.getMessage()).isEqualTo(BuilderFailure.DERIVATION_UNAVAILABLE);
        }
        assertThat(validOnBuilder(drv.toString())).isFalse();

        List<String> log = new CopyOnWriteArrayList<>();
        try (BuilderSession s = open(theCache(publicKey))) {
            assertThat(s.instantiate(new BuildSource.DerivationPath(drv.toString()), log::add))
                    .isEqualTo(drv.toString());
            assertThat(validOnBuilder(drv.toString())).isTrue();
            Derivation d = s.readDerivation(drv.toString());
            BuildResult r = s.build(drv.toString(), d, BuildOptions.DEFAULTS, log::add);
            assertThat(r.status()).as(r.errorMsg() + "\n" + String.join("\n", log)).isEqualTo(BuildStatus.BUILT);
            Path out = builder.store().realPath(StorePath.parse(d.outputs().get("out").path()));
            assertThat(Files.readString(out)).isEqualTo("top of input-" + nonce + "\n");
        }
        // the input could not have been built there (its marker was gone): the serve channel substituted it
        assertThat(validOnBuilder(inputOut)).isTrue();
        // stderr lines of the serve process may come after its reply (sshd reads stdout and stderr from two pipes)
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(log)
                .contains("copying path '" + inputOut + "' from 'file://" + cache + "'..."));
    }

    @Test
    void anOutputAlreadyInTheBuildsCacheIsNotBuiltAgain() throws Exception {
        Path marker = Files.createFile(client.workDir().resolve("done-buildable-" + nonce));
        StorePath drv = client.instantiate("done-" + nonce, buildableOnlyHere("done-" + nonce, marker));
        String out = client.runOk("nix-store", "--realise", drv.toString());
        copyToCache(true, drv.toString());
        copyToCache(false, out);
        Files.delete(marker);
        try (BuilderSession s = open(theCache(publicKey))) {
            s.instantiate(new BuildSource.DerivationPath(drv.toString()), line -> {
            });
            BuildResult r = s.build(drv.toString(), s.readDerivation(drv.toString()), BuildOptions.DEFAULTS,
                    line -> {
                    });
            assertThat(r.status()).as(r.errorMsg()).isEqualTo(BuildStatus.ALREADY_VALID);
        }
        assertThat(Files.readString(builder.store().realPath(StorePath.parse(out)))).isEqualTo("done-" + nonce + "\n");
    }

    @Test
    void anExpressionSubstitutesWhatItNeedsFromTheBuildsCache() throws Exception {
        Path marker = Files.createFile(client.workDir().resolve("evaluated-buildable-" + nonce));
        StorePath inputDrv = client.instantiate("evaluated-" + nonce, buildableOnlyHere("evaluated-" + nonce, marker));
        String inputOut = client.runOk("nix-store", "--realise", inputDrv.toString());
        copyToCache(false, inputOut);
        Files.delete(marker);
        String expression = simpleDerivation("uses-" + nonce, "read x < " + inputOut + "; echo $x > $out")
                .replace("args = [", "input = builtins.storePath \"" + inputOut + "\"; args = [");

        try (BuilderSession plain = open(NixSettings.NONE)) {
            BuilderException e = failure(() -> plain.instantiate(new BuildSource.Expression(expression), line -> {
            }));
            assertThat(e.failure()).isEqualTo(BuilderFailure.EVALUATION_FAILED);
        }
        try (BuilderSession s = open(theCache(publicKey))) {
            String drv = s.instantiate(new BuildSource.Expression(expression), line -> {
            });
            assertThat(drv).endsWith("-uses-" + nonce + ".drv");
            assertThat(validOnBuilder(inputOut)).isTrue();
            BuildResult r = s.build(drv, s.readDerivation(drv), BuildOptions.DEFAULTS, line -> {
            });
            assertThat(r.status()).as(r.errorMsg()).isEqualTo(BuildStatus.BUILT);
        }
    }

    @Test
    void aFlakeIsEvaluatedWithTheSettingsOnItsCommandLine() throws Exception {
        Path flake = Files.createDirectories(client.workDir().resolve("flake-" + nonce));
        Files.writeString(flake.resolve("flake.nix"), "{ outputs = { self }: { packages.x86_64-linux.default = "
                + simpleDerivation("flake-" + nonce, "echo flake > $out").replace("builtins.currentSystem",
                        "\"x86_64-linux\"")
                + "; }; }\n");
        try (BuilderSession s = open(theCache(publicKey))) {
            assertThat(s.instantiate(new BuildSource.Flake("path:" + flake), line -> {
            })).endsWith("-flake-" + nonce + ".drv");
        }
    }

    @Test
    void pathsSignedWithAnotherKeyThanTheTrustedOneAreRefused() throws Exception {
        Path marker = Files.createFile(client.workDir().resolve("signed-buildable-" + nonce));
        String input = buildableOnlyHere("signed-" + nonce, marker);
        StorePath inputDrv = client.instantiate("signed-" + nonce, input);
        String inputOut = client.runOk("nix-store", "--realise", inputDrv.toString());
        StorePath drv = client.instantiate("needs-signed-" + nonce, "let input = " + input + "; in "
                + simpleDerivation("needs-signed-" + nonce, "read x < ${input}; echo $x > $out"));
        copyToCache(true, drv.toString());
        copyToCache(false, inputOut);
        Files.delete(marker);
        String expression = simpleDerivation("evaluates-signed-" + nonce, "echo > $out")
                .replace("args = [", "input = builtins.storePath \"" + inputOut + "\"; args = [");

        String refused = "warning: the substitute for '" + inputOut + "' from 'file://" + cache
                + "' is not signed by any of the keys in 'trusted-public-keys'";
        List<String> log = new CopyOnWriteArrayList<>();
        try (BuilderSession s = open(theCache(otherPublicKey))) {
            BuilderException e = failure(() -> s.instantiate(new BuildSource.Expression(expression), line -> {
            }));
            assertThat(e.failure()).isEqualTo(BuilderFailure.EVALUATION_FAILED);
            assertThat(e.getMessage()).contains(refused,
                    "error: path '" + inputOut + "' does not exist and cannot be created");
            // a .drv is content-addressed ("CA: text:sha256:..." in its narinfo): Nix checks it against its hash and
            // asks for no signature, so it comes whatever the keys
            assertThat(s.instantiate(new BuildSource.DerivationPath(drv.toString()), log::add))
                    .isEqualTo(drv.toString());
            BuildResult r = s.build(drv.toString(), s.readDerivation(drv.toString()), BuildOptions.DEFAULTS,
                    log::add);
            // the input's output is not: refused, Nix falls back to building it, which only worked on the client
            assertThat(r.status()).isEqualTo(BuildStatus.DEPENDENCY_FAILED);
            assertThat(BuilderFailures.stripAnsi(r.errorMsg())).contains("builder for '" + inputDrv + "' failed");
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(log).contains(refused));
        }
        assertThat(validOnBuilder(inputOut)).isFalse();
    }
}

package dev.nixpool.nix.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.function.Supplier;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import com.fasterxml.jackson.databind.JsonNode;

import dev.nixpool.nix.build.BuildOptions;
import dev.nixpool.nix.build.BuildResult;
import dev.nixpool.nix.build.BuildStatus;
import dev.nixpool.nix.derivation.ATermParser;
import dev.nixpool.nix.derivation.ATermWriter;
import dev.nixpool.nix.derivation.Derivation;
import dev.nixpool.nix.nar.NarDigest;
import dev.nixpool.nix.nar.NarParser;
import dev.nixpool.nix.nar.NarVisitor;
import dev.nixpool.nix.store.NixHash;
import dev.nixpool.nix.store.StorePath;
import dev.nixpool.nix.store.ValidPathInfo;
import dev.nixpool.nix.testing.ClientStoreHelper;
import dev.nixpool.nix.testing.LocalNixStore;
import dev.nixpool.nix.testing.ProcessResult;

/**
 * Every serve command against a real {@code nix-store --serve --write}, whatever carries the bytes.
 *
 * <p>
 * Contract for subclasses:
 * <ul>
 * <li>Set up a builder with a Nix store of its own (not the machine's {@code /nix}) in a {@code @BeforeAll} and tear
 * it down in an {@code @AfterAll}; the class runs with {@link TestInstance.Lifecycle#PER_CLASS}, so both may be
 * instance methods. The builder's store lives as long as the class: tests use unique names, so sharing it is fine.</li>
 * <li>{@link #openServe()} opens a new session of {@code nix-store --serve --write} on that builder: its stdout, stdin
 * and everything it printed on stderr so far. Closing it ends the session (and its process or channel).</li>
 * <li>{@link #runOnBuilder(String...)} runs a command against the same store the serve sessions write (for a local
 * builder: inside the same bind mount; over SSH: an exec channel), to check effects with Nix's own tools such as
 * {@code nix-store --verify-path}.</li>
 * </ul>
 * The client side of each test (making .drv files and NARs with real Nix) is a separate {@link LocalNixStore} that this
 * base class owns, so what appears on the builder can only have come through the protocol.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class AbstractServeClientIT {

    /** One serve session on the builder under test. */
    public interface ServeSession extends AutoCloseable {

        InputStream fromBuilder();

        OutputStream toBuilder();

        /** Everything the serve process printed on stderr so far (build logs, errors). */
        String builderStderr();

        /** A session over these streams; {@code onClose} ends it. */
        static ServeSession of(InputStream fromBuilder, OutputStream toBuilder,
                Supplier<String> stderr, AutoCloseable onClose) {
            return new ServeSession() {
                @Override
                public InputStream fromBuilder() {
                    return fromBuilder;
                }

                @Override
                public OutputStream toBuilder() {
                    return toBuilder;
                }

                @Override
                public String builderStderr() {
                    return stderr.get();
                }

                @Override
                public void close() throws Exception {
                    onClose.close();
                }
            };
        }
    }

    /** Opens a new serve session to the builder. */
    protected abstract ServeSession openServe() throws Exception;

    /** Runs {@code argv} against the builder's store and returns its result, whatever the exit code. */
    protected abstract ProcessResult runOnBuilder(String... argv) throws Exception;

    protected LocalNixStore client;
    /** Keeps names unique between runs against a long-lived builder. */
    protected final String nonce = Long.toHexString(new Random().nextLong() & 0xffffffffL);

    @BeforeAll
    void startClientStore() throws Exception {
        client = LocalNixStore.create("serve-client");
    }

    @AfterAll
    void stopClientStore() throws Exception {
        if (client != null) {
            client.close();
        }
    }

    @Test
    void handshakeReportsTheServerVersion() throws Exception {
        try (ServeSession s = openServe()) {
            ServeClient c = new ServeClient(s.fromBuilder(), s.toBuilder());
            assertThat(c.handshake()).isEqualTo(0x207);
            assertThat(c.minor()).isEqualTo(7);
        }
    }

    @Test
    void addToStoreNarMakesAPathTheBuilderVerifies() throws Exception {
        StorePath path = ClientStoreHelper.addText(client, "upload-" + nonce, "uploaded " + nonce + "\n");
        try (ServeSession s = openServe()) {
            ServeClient c = connect(s);
            assertThat(c.queryValidPaths(false, false, List.of(path))).isEmpty();
            upload(c, path);
            assertThat(c.queryValidPaths(false, false, List.of(path))).containsExactly(path);
        }
        assertThat(runOnBuilder("nix-store", "--verify-path", path.toString()).exitCode()).isZero();
    }

    @Test
    void queryValidPathsLeavesOutMissingPaths() throws Exception {
        StorePath present = ClientStoreHelper.addText(client, "present-" + nonce, "present\n");
        StorePath missing = StorePath.parse("/nix/store/" + "0".repeat(31) + "1-missing-" + nonce);
        try (ServeSession s = openServe()) {
            ServeClient c = connect(s);
            upload(c, present);
            assertThat(c.queryValidPaths(true, true, List.of(present, missing))).containsExactly(present);
            assertThat(c.queryValidPaths(false, false, List.of(missing))).isEmpty();
        }
    }

    @Test
    void queryPathInfosMatchesNixPathInfo() throws Exception {
        List<StorePath> chain = buildChainOnClient("info");
        try (ServeSession s = openServe()) {
            ServeClient c = connect(s);
            uploadAll(c, chain);
            List<PathInfo> infos = c.queryPathInfos(chain);
            assertThat(infos).hasSize(2);
            for (PathInfo info : infos) {
                JsonNode nix = ClientStoreHelper.pathInfoJson(
                        runOnBuilder(ClientStoreHelper.pathInfoCommand(info.path())).requireSuccess("path-info")
                                .stdoutText(),
                        info.path());
                assertThat(info.narHash()).isEqualTo(NixHash.parse(nix.get("narHash").asText()));
                assertThat(info.narSize()).isEqualTo(nix.get("narSize").asLong());
                assertThat(info.references().stream().map(StorePath::toString).toList())
                        .containsExactlyInAnyOrderElementsOf(
                                nix.get("references").findValuesAsText("").isEmpty()
                                        ? texts(nix.get("references"))
                                        : texts(nix.get("references")));
            }
            // Nix answers in its own (hash) order, not the request's
            assertThat(infos.stream().filter(i -> i.path().equals(chain.get(1))).findFirst().orElseThrow()
                    .references()).containsExactly(chain.get(0));
        }
    }

    @Test
    void queryPathInfosSkipsInvalidPaths() throws Exception {
        StorePath missing = StorePath.parse("/nix/store/" + "1".repeat(32) + "-nothing-" + nonce);
        try (ServeSession s = openServe()) {
            assertThat(connect(s).queryPathInfos(List.of(missing))).isEmpty();
        }
    }

    @Test
    void dumpStorePathIsByteIdenticalToNixStoreDump() throws Exception {
        List<StorePath> chain = buildChainOnClient("dump");
        try (ServeSession s = openServe()) {
            ServeClient c = connect(s);
            uploadAll(c, chain);
            for (StorePath p : chain) {
                ByteArrayOutputStream nar = new ByteArrayOutputStream();
                NarDigest digest = c.dumpStorePath(p, nar);
                byte[] expected = runOnBuilder("nix-store", "--dump", p.toString()).requireSuccess("dump").stdout();
                assertThat(nar.toByteArray()).isEqualTo(expected);
                assertThat(digest.narSize()).isEqualTo(expected.length);
                assertThat(digest.narHash()).isEqualTo(NixHash.sha256Of(expected));
            }
            // the session is still in step after raw NARs: another command works
            assertThat(c.queryValidPaths(false, false, chain)).containsExactlyInAnyOrderElementsOf(chain);
        }
    }

    @Test
    void importPathsMakesAPathTheBuilderVerifies() throws Exception {
        StorePath path = ClientStoreHelper.addText(client, "import-" + nonce, "imported " + nonce + "\n");
        try (ServeSession s = openServe()) {
            ServeClient c = connect(s);
            c.importPaths(export -> export.addPath(path, List.of(), null, client.realPath(path)));
            assertThat(c.queryValidPaths(false, false, List.of(path))).containsExactly(path);
        }
        assertThat(runOnBuilder("nix-store", "--verify-path", path.toString()).exitCode()).isZero();
    }

    @Test
    void queryClosureFollowsReferences() throws Exception {
        List<StorePath> chain = buildChainOnClient("closure");
        try (ServeSession s = openServe()) {
            ServeClient c = connect(s);
            uploadAll(c, chain);
            assertThat(c.queryClosure(false, List.of(chain.get(1)))).containsExactlyInAnyOrderElementsOf(chain);
            assertThat(c.queryClosure(false, List.of(chain.get(0)))).containsExactly(chain.get(0));
        }
    }

    @Test
    void buildDerivationBuildsOnTheBuilder() throws Exception {
        StorePath drvPath = client.instantiate("ok-" + nonce, simpleDerivation("ok-" + nonce, "echo hello > $out"));
        Derivation drv = readDrv(drvPath);
        StorePath out = StorePath.parse(drv.outputs().get("out").path());
        try (ServeSession s = openServe()) {
            ServeClient c = connect(s);
            BuildResult result = c.buildDerivation(drvPath, drv.basic(), BuildOptions.DEFAULTS);
            assertThat(result.status()).as(result.errorMsg()).isEqualTo(BuildStatus.BUILT);
            assertThat(result.success()).isTrue();
            assertThat(result.timesBuilt()).isEqualTo(1);
            assertThat(result.stopTime()).isGreaterThanOrEqualTo(result.startTime()).isPositive();
            assertThat(result.builtOutputs()).containsOnlyKeys("out");
            assertThat(result.builtOutputs().get("out").outPath()).isEqualTo(out.toString());
            assertThat(c.queryValidPaths(false, false, List.of(out))).containsExactly(out);
            ByteArrayOutputStream nar = new ByteArrayOutputStream();
            c.dumpStorePath(out, nar);
            assertThat(fileContents(nar.toByteArray())).isEqualTo("hello\n");
        }
        assertThat(runOnBuilder("nix-store", "--verify-path", out.toString()).exitCode()).isZero();
        assertThat(client.run("nix-store", "--check-validity", out.toString()).exitCode())
                .as("the output exists only on the builder").isNotZero();
    }

    @Test
    void buildDerivationWithInputDerivationsUsesUploadedInputs() throws Exception {
        String a = "deps-a-" + nonce;
        String expr = "let a = " + simpleDerivation(a, "echo input > $out") + "; in "
                + simpleDerivation("deps-b-" + nonce, "echo ${a} > $out");
        StorePath drvB = client.instantiate("deps-" + nonce, expr);
        Derivation b = readDrv(drvB);
        assertThat(b.inputDrvs()).hasSize(1);
        String drvA = b.inputDrvs().firstKey();
        Derivation da = readDrv(StorePath.parse(drvA));
        StorePath outA = StorePath.parse(da.outputs().get("out").path());
        StorePath outB = StorePath.parse(b.outputs().get("out").path());
        try (ServeSession s = openServe()) {
            ServeClient c = connect(s);
            assertThat(c.buildDerivation(StorePath.parse(drvA), da.basic(), BuildOptions.DEFAULTS).success()).isTrue();
            BuildResult rb = c.buildDerivation(drvB, b.basic(Set.of(outA.toString())), BuildOptions.DEFAULTS);
            assertThat(rb.status()).as(rb.errorMsg()).isEqualTo(BuildStatus.BUILT);
            assertThat(c.queryClosure(false, List.of(outB))).containsExactlyInAnyOrder(outA, outB);
            ByteArrayOutputStream nar = new ByteArrayOutputStream();
            c.dumpStorePath(outB, nar);
            assertThat(fileContents(nar.toByteArray())).isEqualTo(outA + "\n");
        }
    }

    @Test
    void failingDerivationIsAPermanentFailureWithTheBuilderLogOnStderr() throws Exception {
        String marker = "nixpool-failure-" + nonce;
        StorePath drvPath = client.instantiate("fail-" + nonce,
                simpleDerivation("fail-" + nonce, "echo " + marker + " >&2; exit 3"));
        Derivation drv = readDrv(drvPath);
        try (ServeSession s = openServe()) {
            ServeClient c = connect(s);
            BuildResult result = c.buildDerivation(drvPath, drv.basic(), BuildOptions.DEFAULTS);
            assertThat(result.status()).isEqualTo(BuildStatus.PERMANENT_FAILURE);
            assertThat(result.success()).isFalse();
            assertThat(result.errorMsg()).contains("builder for").contains(drvPath.toString());
            assertThat(result.builtOutputs()).isEmpty();
            awaitStderr(s, marker);
            // still usable after a failure
            assertThat(c.queryValidPaths(false, false, List.of(drvPath))).isEmpty();
        }
    }

    @Test
    void buildPathsBuildsAnUploadedDerivation() throws Exception {
        StorePath ok = client.instantiate("bp-" + nonce, simpleDerivation("bp-" + nonce, "echo built > $out"));
        StorePath bad = client.instantiate("bpfail-" + nonce,
                simpleDerivation("bpfail-" + nonce, "echo nixpool-bp-" + nonce + " >&2; exit 1"));
        StorePath out = StorePath.parse(readDrv(ok).outputs().get("out").path());
        try (ServeSession s = openServe()) {
            ServeClient c = connect(s);
            upload(c, ok);
            upload(c, bad);
            BuildPathsOutcome built = c.buildPaths(List.of(ok + "!out"), BuildOptions.DEFAULTS);
            assertThat(built.success()).as(built.errorMsg()).isTrue();
            assertThat(c.queryValidPaths(false, false, List.of(out))).containsExactly(out);
            BuildPathsOutcome failed = c.buildPaths(List.of(bad + "!out"), BuildOptions.DEFAULTS);
            assertThat(failed.success()).isFalse();
            assertThat(failed.exitStatus()).isIn(1L, 100L);
            assertThat(failed.errorMsg()).contains(bad.toString());
            awaitStderr(s, "nixpool-bp-" + nonce);
        }
        assertThat(runOnBuilder("nix-store", "--verify-path", out.toString()).exitCode()).isZero();
    }

    @Test
    void addToStoreNarWithAWrongHashIsRefusedByTheBuilder() throws Exception {
        StorePath path = ClientStoreHelper.addText(client, "badhash-" + nonce, "bad hash\n");
        ValidPathInfo real = ClientStoreHelper.pathInfo(client, path);
        ValidPathInfo wrong = new ValidPathInfo(path, null, NixHash.sha256Of(new byte[]{1}), List.of(), 0,
                real.narSize(), false, List.of(), "");
        try (ServeSession s = openServe()) {
            ServeClient c = connect(s);
            byte[] nar = ClientStoreHelper.nar(client, path);
            org.assertj.core.api.Assertions
                    .assertThatThrownBy(() -> c.addToStoreNar(wrong, new ByteArrayInputStream(nar)))
                    .isInstanceOf(dev.nixpool.nix.wire.WireTruncatedException.class);
            awaitStderr(s, "hash mismatch");
        }
        assertThat(runOnBuilder("nix-store", "--check-validity", path.toString()).exitCode()).isNotZero();
    }

    // ---- helpers -----------------------------------------------------------------------------------------------

    protected ServeClient connect(ServeSession s) throws Exception {
        ServeClient c = new ServeClient(s.fromBuilder(), s.toBuilder());
        c.handshake();
        return c;
    }

    /** Uploads a client path with AddToStoreNar, checking on the way that our NAR matches real Nix's narHash. */
    protected void upload(ServeClient c, StorePath path) throws Exception {
        ValidPathInfo info = ClientStoreHelper.pathInfo(client, path);
        byte[] nar = ClientStoreHelper.nar(client, path);
        assertThat(NixHash.sha256Of(nar)).isEqualTo(info.narHash());
        assertThat((long) nar.length).isEqualTo(info.narSize());
        c.addToStoreNar(info, new ByteArrayInputStream(nar));
    }

    protected void uploadAll(ServeClient c, List<StorePath> paths) throws Exception {
        for (StorePath p : paths) {
            upload(c, p);
        }
    }

    /** Builds two paths in the client store, the second referring to the first; returns [first, second]. */
    protected List<StorePath> buildChainOnClient(String label) throws Exception {
        String a = label + "-a-" + nonce;
        String expr = "let a = " + simpleDerivation(a, "echo " + label + " > $out") + "; in "
                + simpleDerivation(label + "-b-" + nonce, "echo ${a} > $out");
        var file = client.workDir().resolve(label + "-" + nonce + ".nix");
        Files.writeString(file, expr);
        StorePath b = StorePath.parse(client.runOk("nix-build", "--no-out-link", file.toString()));
        List<StorePath> refs = ClientStoreHelper.pathInfo(client, b).references();
        StorePath first = refs.stream().filter(r -> !r.equals(b)).findFirst().orElseThrow();
        return List.of(first, b);
    }

    protected static String simpleDerivation(String name, String script) {
        return "derivation { name = \"" + name
                + "\"; system = builtins.currentSystem; builder = \"/bin/sh\"; args = [ \"-c\" \""
                + script.replace("\\", "\\\\").replace("\"", "\\\"") + "\" ]; }";
    }

    /** Parses a .drv of the client store and checks our writer reproduces it byte for byte. */
    protected Derivation readDrv(StorePath drvPath) throws Exception {
        byte[] bytes = Files.readAllBytes(client.realPath(drvPath));
        Derivation drv = ATermParser.parse(bytes);
        assertThat(new String(ATermWriter.toBytes(drv), StandardCharsets.UTF_8))
                .isEqualTo(new String(bytes, StandardCharsets.UTF_8));
        assertThat(HexFormat.of().formatHex(ATermWriter.toBytes(drv))).isEqualTo(HexFormat.of().formatHex(bytes));
        return drv;
    }

    private static String fileContents(byte[] nar) throws Exception {
        ByteArrayOutputStream contents = new ByteArrayOutputStream();
        NarParser.parse(new ByteArrayInputStream(nar), new NarVisitor() {
            @Override
            public void regularFile(String path, boolean executable, long size, InputStream in)
                    throws java.io.IOException {
                in.transferTo(contents);
            }
        });
        return contents.toString(StandardCharsets.UTF_8);
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new java.util.ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    /** Build logs reach stderr asynchronously to the reply; wait a bounded time for them. */
    protected static void awaitStderr(ServeSession s, String text) {
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(s.builderStderr()).contains(text));
    }
}

package dev.nixpool.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;

import dev.nixpool.Names;
import dev.nixpool.api.v1alpha1.BuildMachine;
import dev.nixpool.api.v1alpha1.CopyTo;
import dev.nixpool.api.v1alpha1.NixBuild;
import dev.nixpool.api.v1alpha1.NixBuildPhase;
import dev.nixpool.api.v1alpha1.NixBuildSpec;
import dev.nixpool.api.v1alpha1.SecretKeyRef;
import dev.nixpool.api.v1alpha1.SecretRef;
import dev.nixpool.cache.LoopbackHttpCache;
import dev.nixpool.cache.S3rver;
import dev.nixpool.nix.cache.NixPublicKey;
import dev.nixpool.nix.serve.PathInfo;
import dev.nixpool.nix.store.StorePath;
import dev.nixpool.nix.testing.LocalNixStore;
import dev.nixpool.nix.testing.ProcessResult;
import dev.nixpool.remote.BuilderAddress;
import dev.nixpool.remote.BuilderCredentials;
import dev.nixpool.remote.BuilderSession;
import dev.nixpool.remote.ssh.BuilderTimeouts;
import dev.nixpool.remote.ssh.SshBuilderConnector;
import dev.nixpool.status.Conditions;

/**
 * Outputs that outlive their builder, end to end with real Nix on both ends: the derivation-path flow (instantiate on
 * a client, {@code nix copy --to} a signed cache, a NixBuild of that .drv with the cache as substituter) with
 * {@code copyTo} a file:// cache, which a fresh store that requires signatures then substitutes from over HTTP; the
 * same build again uploads nothing; an S3 destination on s3rver read by Nix over HTTP; and an S3 destination that
 * refuses the credentials, which ends the build UploadFailed with the server's message and no secret anywhere.
 */
class CopyToScenarioIT {

    @RegisterExtension
    static final LocalClusterExtension CLUSTER = new LocalClusterExtension("copy-to", 200, 219);

    private static final String BUCKET = "nixpool-copy-to";

    @Test
    void aDerivationFromASignedCacheIsBuiltAndItsOutputCopiedSignedToAFileCache() throws Exception {
        String ns = "copy-file";
        ScenarioFixture.namespaceWithPool(CLUSTER.client(), ns, "buildmachine-default.yaml");
        Path shared = sharedDir("copy-to-file");
        try (LocalNixStore client = LocalNixStore.create("copy-to-client")) {
            Keys input = Keys.generate(client, "copy-to-inputs-1");
            Keys output = Keys.generate(client, "copy-to-outputs-1");
            Path inputCache = shared.resolve("inputs");
            Path outputCache = shared.resolve("outputs");

            // the client instantiates and copies the .drv (and its input sources) to a cache the builders read
            StorePath drv = client.instantiate("copied", ScenarioFixture.shellDerivation(
                    "copied-" + System.nanoTime(), "echo copied-by-nixpool > $out"));
            // --derivation: without it Nix 2.8 takes a .drv installable to mean its outputs, and builds them
            client.runOk("nix", "copy", "--derivation", "--to",
                    "file://" + inputCache + "?secret-key=" + input.secretFile, drv.toString());
            createSigningSecret(ns, output.secretText);

            CLUSTER.client().resource(derivationBuild(ns, "from-drv", drv, inputCache, input.publicText,
                    new CopyTo("file://" + outputCache, new SecretKeyRef("cache-key", "secret")))).create();
            NixBuild done = ScenarioFixture.awaitFinished(CLUSTER.client(), ns, "from-drv");
            String summary = ScenarioFixture.describe(done);
            assertThat(done.getStatus().getPhase()).as(summary).isEqualTo(NixBuildPhase.Succeeded);
            assertThat(condition(done, Names.CONDITION_UPLOADED)).satisfies(c -> {
                assertThat(c.getStatus()).isEqualTo("True");
                assertThat(c.getReason()).isEqualTo("Uploaded");
            });
            String out = done.getStatus().getOutputs().get(0).getPath();
            assertThat(done.getStatus().getOutputs()).singleElement().satisfies(o -> {
                assertThat(o.getCopiedTo()).isEqualTo("file://" + outputCache);
                assertThat(o.getSignedBy()).isEqualTo("copy-to-outputs-1");
            });

            try (LoopbackHttpCache http = LoopbackHttpCache.serving(outputCache);
                    LocalNixStore fresh = LocalNixStore.create("copy-to-fresh")) {
                ProcessResult realise = fresh.run("nix-store", "--realise", out, "--option", "substituters",
                        http.url(), "--option", "trusted-public-keys", output.publicText, "--option",
                        "require-sigs", "true");
                realise.requireSuccess("nix-store --realise from " + http.url());
                assertThat(Files.readString(fresh.realPath(StorePath.parse(out)))).isEqualTo("copied-by-nixpool\n");
                assertThat(fresh.run("nix", "store", "verify", "--sigs-needed", "1", "--trusted-public-keys",
                        output.publicText, "--store", http.url(), "-r", out).exitCode())
                        .as("nix store verify --sigs-needed 1 against the cache").isZero();
            }

            // the same derivation again, on a fresh builder: its output is in the cache, so nothing is sent
            List<String> before = listing(outputCache);
            CLUSTER.client().resource(derivationBuild(ns, "again", drv, inputCache, input.publicText,
                    new CopyTo("file://" + outputCache, new SecretKeyRef("cache-key", "secret")))).create();
            NixBuild again = ScenarioFixture.awaitFinished(CLUSTER.client(), ns, "again");
            assertThat(again.getStatus().getPhase()).as(ScenarioFixture.describe(again))
                    .isEqualTo(NixBuildPhase.Succeeded);
            assertThat(condition(again, Names.CONDITION_UPLOADED).getMessage()).isEqualTo(
                    "all 1 paths of the closure were in file://" + outputCache + " already");
            assertThat(listing(outputCache)).as("no object written the second time").isEqualTo(before);
        } finally {
            new ProcessBuilder("rm", "-rf", shared.toString()).inheritIO().start().waitFor();
        }
    }

    /**
     * ssh://: another Nix store over SSH, here a warm builder of a second pool (real sshd and Nix with its own store),
     * logged into with its client key and its host key pinned, both from the credentials Secret. The output arrives
     * there with the operator's signature in its path info.
     */
    @Test
    void anSshStoreDestinationGetsTheOutputSigned() throws Exception {
        String ns = "copy-ssh";
        ScenarioFixture.namespaceWithPool(CLUSTER.client(), ns, "buildmachine-default.yaml");
        BuildMachine storePool = ScenarioFixture.example(CLUSTER.client(), BuildMachine.class,
                "buildmachine-default.yaml", ns);
        storePool.getMetadata().setName("store");
        storePool.getSpec().setMinIdle(1);
        storePool.getSpec().setMandatoryFeatures(List.of("nixpool-store"));
        CLUSTER.client().resource(storePool).create();
        Pod store = await().atMost(ScenarioFixture.WAIT).until(() -> CLUSTER.client().pods().inNamespace(ns)
                .withLabel(Names.LABEL_MACHINE, "store").list().getItems().stream()
                .filter(p -> p.getStatus() != null && p.getStatus().getPodIP() != null && p.getStatus()
                        .getConditions().stream().anyMatch(c -> "Ready".equals(c.getType())
                                && "True".equals(c.getStatus())))
                .findFirst().orElse(null), Objects::nonNull);
        Secret keys = CLUSTER.client().secrets().inNamespace(ns)
                .withName(Names.keySecretName(store.getMetadata().getName())).get();
        String clientKey = decode(keys.getData().get(Names.KEY_CLIENT_PRIVATE));
        String hostKey = decode(keys.getData().get(Names.KEY_HOST_PUBLIC)).strip();
        CLUSTER.client().resource(new SecretBuilder().withNewMetadata().withName("store-ssh").withNamespace(ns)
                .endMetadata().withStringData(Map.of("sshPrivateKey", clientKey, "sshHostKey", hostKey)).build())
                .create();
        try (LocalNixStore client = LocalNixStore.create("copy-to-ssh-keys")) {
            Keys output = Keys.generate(client, "copy-to-ssh-1");
            createSigningSecret(ns, output.secretText);
            NixBuild build = ScenarioFixture.shellBuild(ns, "to-ssh", "to-ssh-" + System.nanoTime(),
                    "echo in-another-store > $out");
            String uri = "ssh://nixpool@" + store.getStatus().getPodIP() + ":2222";
            build.getSpec().setCopyTo(new CopyTo(uri, new SecretKeyRef("cache-key", "secret")));
            build.getSpec().getCopyTo().setCredentialsSecretRef(new SecretRef("store-ssh"));
            build.getSpec().setMachine("default");
            CLUSTER.client().resource(build).create();

            NixBuild done = ScenarioFixture.awaitFinished(CLUSTER.client(), ns, "to-ssh");
            assertThat(done.getStatus().getPhase()).as(ScenarioFixture.describe(done))
                    .isEqualTo(NixBuildPhase.Succeeded);
            String out = done.getStatus().getOutputs().get(0).getPath();
            assertThat(done.getStatus().getOutputs().get(0).getCopiedTo()).isEqualTo(uri);
            NixPublicKey publicKey = NixPublicKey.parse(output.publicText);
            try (SshBuilderConnector connector = new SshBuilderConnector(BuilderTimeouts.defaults());
                    BuilderSession session = connector.open(new BuilderAddress(store.getStatus().getPodIP(), 2222,
                            "nixpool"), new BuilderCredentials(clientKey, hostKey))) {
                PathInfo info = session.queryPathInfos(List.of(out)).get(0);
                String fingerprint = "1;" + out + ";" + info.narHash().toPrefixedNix32() + ";" + info.narSize()
                        + ";";
                assertThat(info.sigs()).as("the path in the other store carries the operator's signature")
                        .anySatisfy(sig -> assertThat(publicKey.verifies(fingerprint, sig)).isTrue());
            }
        }
    }

    @Test
    void anS3DestinationOnS3rverIsReadByNixOverHttp() throws Exception {
        String ns = "copy-s3";
        ScenarioFixture.namespaceWithPool(CLUSTER.client(), ns, "buildmachine-default.yaml");
        try (S3rver s3 = S3rver.start(BUCKET); LocalNixStore client = LocalNixStore.create("copy-to-s3-keys")) {
            Keys output = Keys.generate(client, "copy-to-s3-1");
            createSigningSecret(ns, output.secretText);
            createS3Secret(ns, "s3-credentials", S3rver.ACCESS_KEY_ID, S3rver.SECRET_ACCESS_KEY);
            NixBuild build = ScenarioFixture.shellBuild(ns, "to-s3", "to-s3-" + System.nanoTime(),
                    "echo in-s3 > $out");
            build.getSpec().setCopyTo(s3CopyTo(s3, "s3-credentials"));
            CLUSTER.client().resource(build).create();

            NixBuild done = ScenarioFixture.awaitFinished(CLUSTER.client(), ns, "to-s3");
            assertThat(done.getStatus().getPhase()).as(ScenarioFixture.describe(done))
                    .isEqualTo(NixBuildPhase.Succeeded);
            String out = done.getStatus().getOutputs().get(0).getPath();
            String httpCache = s3.endpoint() + "/" + BUCKET;
            try (LocalNixStore fresh = LocalNixStore.create("copy-to-s3-fresh")) {
                fresh.run("nix-store", "--realise", out, "--option", "substituters", httpCache, "--option",
                        "trusted-public-keys", output.publicText, "--option", "require-sigs", "true")
                        .requireSuccess("nix-store --realise from " + httpCache);
                assertThat(Files.readString(fresh.realPath(StorePath.parse(out)))).isEqualTo("in-s3\n");
            }
        }
    }

    @Test
    void aDestinationThatRefusesTheCredentialsEndsUploadFailedWithItsMessageAndNoSecret() throws Exception {
        String ns = "copy-refused";
        ScenarioFixture.namespaceWithPool(CLUSTER.client(), ns, "buildmachine-default.yaml");
        String secretValue = "wrong-secret-" + System.nanoTime();
        try (S3rver s3 = S3rver.start(BUCKET); LocalNixStore client = LocalNixStore.create("copy-to-refused")) {
            Keys output = Keys.generate(client, "copy-to-refused-1");
            createSigningSecret(ns, output.secretText);
            createS3Secret(ns, "wrong-credentials", "NOSUCHKEYID", secretValue);
            NixBuild build = ScenarioFixture.shellBuild(ns, "refused", "refused-" + System.nanoTime(),
                    "echo refused > $out");
            build.getSpec().setCopyTo(s3CopyTo(s3, "wrong-credentials"));
            CLUSTER.client().resource(build).create();

            NixBuild done = ScenarioFixture.awaitFinished(CLUSTER.client(), ns, "refused");
            String summary = ScenarioFixture.describe(done);
            assertThat(done.getStatus().getPhase()).as(summary).isEqualTo(NixBuildPhase.Failed);
            assertThat(condition(done, Names.CONDITION_SUCCEEDED).getReason()).isEqualTo("UploadFailed");
            String out = done.getStatus().getOutputs().get(0).getPath();
            assertThat(condition(done, Names.CONDITION_UPLOADED).getMessage())
                    .contains("failed after 3 attempts")
                    .contains("InvalidAccessKeyId")
                    .endsWith("Arrived: none; not arrived: " + out);

            String secretKeyBase64 = output.secretText.substring(output.secretText.indexOf(':') + 1).strip();
            String everything = Serialization.asJson(done) + ScenarioFixture.buildLog(CLUSTER.cluster(), ns,
                    "refused", 1) + Files.readString(operatorLog());
            assertThat(everything).as("status, build log and operator log").doesNotContain(secretValue)
                    .doesNotContain(secretKeyBase64);
        }
    }

    private static NixBuild derivationBuild(String ns, String name, StorePath drv, Path cache, String publicKey,
            CopyTo copyTo) {
        NixBuild build = ScenarioFixture.expressionBuild(ns, name, "unused");
        NixBuildSpec spec = build.getSpec();
        spec.setExpression(null);
        spec.setDerivation(drv.toString());
        spec.setSubstituters(List.of("file://" + cache));
        spec.setTrustedPublicKeys(List.of(publicKey));
        spec.setCopyTo(copyTo);
        return build;
    }

    private static CopyTo s3CopyTo(S3rver s3, String credentials) {
        CopyTo copyTo = new CopyTo("s3://" + BUCKET + "?region=us-east-1&endpoint=" + s3.endpoint(),
                new SecretKeyRef("cache-key", "secret"));
        copyTo.setCredentialsSecretRef(new SecretRef(credentials));
        return copyTo;
    }

    private static void createSigningSecret(String ns, String secretText) {
        CLUSTER.client().resource(new SecretBuilder().withNewMetadata().withName("cache-key").withNamespace(ns)
                .endMetadata().withStringData(Map.of("secret", secretText)).build()).create();
    }

    private static void createS3Secret(String ns, String name, String id, String secret) {
        CLUSTER.client().resource(new SecretBuilder().withNewMetadata().withName(name).withNamespace(ns)
                .endMetadata().withStringData(Map.of("accessKeyId", id, "secretAccessKey", secret)).build())
                .create();
    }

    private static String decode(String base64) {
        return new String(Base64.getDecoder().decode(base64), StandardCharsets.UTF_8);
    }

    private static Condition condition(NixBuild build, String type) {
        return Conditions.find(build.getStatus().getConditions(), type).orElseThrow();
    }

    private static Path operatorLog() {
        return ScenarioFixture.repoRoot().resolve("operator/target/local-cluster-logs/copy-to-operator.log");
    }

    /** A directory the builders (which log in as an unprivileged user) may read and the operator write. */
    private static Path sharedDir(String label) throws Exception {
        Path dir = Files.createTempDirectory(label);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        return dir;
    }

    private static List<String> listing(Path dir) throws Exception {
        try (var files = Files.walk(dir)) {
            return files.map(p -> dir.relativize(p) + ":" + p.toFile().length()).sorted().toList();
        }
    }

    /** A key pair from nix-store --generate-binary-cache-key. */
    private record Keys(Path secretFile, String secretText, String publicText) {

        static Keys generate(LocalNixStore store, String name) throws Exception {
            Path dir = Files.createDirectories(store.workDir().resolve("keys-" + name));
            store.runOk("nix-store", "--generate-binary-cache-key", name, dir.resolve("sk").toString(),
                    dir.resolve("pk").toString());
            return new Keys(dir.resolve("sk"), Files.readString(dir.resolve("sk"), StandardCharsets.UTF_8).strip(),
                    Files.readString(dir.resolve("pk"), StandardCharsets.UTF_8).strip());
        }
    }
}

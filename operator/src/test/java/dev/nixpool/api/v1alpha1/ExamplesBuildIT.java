package dev.nixpool.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The example builds are real: their expressions build offline with this machine's Nix, and the derivation-path
 * example names the .drv the expression example instantiates to. Nix reads only a temp nix.conf (NIX_CONF_DIR) with
 * the offline settings, whatever /etc/nix says.
 */
class ExamplesBuildIT {

    private static Path confDir;

    @BeforeAll
    static void offlineNixConf() throws IOException {
        confDir = Files.createTempDirectory("nixpool-examples-nixconf");
        Files.writeString(confDir.resolve("nix.conf"), String.join("\n", "build-users-group =", "sandbox = false",
                "substituters =", "system-features = kvm", ""));
    }

    @AfterAll
    static void removeConf() throws IOException {
        try (Stream<Path> files = Files.walk(confDir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    @Test
    void helloExpressionBuildsOffline() throws Exception {
        String expression = Examples.read("nixbuild-hello-expression.yaml").at("/spec/expression").asText();
        String out = nix("nix-build", "--no-out-link", "-E", expression).trim();
        assertThat(out).matches(ApiPatterns.STORE_PATH).endsWith("-hello-nixpool");
        assertThat(Files.readString(Path.of(out))).isEqualTo("hello\n");
    }

    @Test
    void derivationExampleIsTheHelloDerivation() throws Exception {
        String expression = Examples.read("nixbuild-hello-expression.yaml").at("/spec/expression").asText();
        String drv = nix("nix-instantiate", "-E", expression).trim();
        assertThat(Examples.read("nixbuild-derivation.yaml").at("/spec/derivation").asText()).isEqualTo(drv);
    }

    @Test
    void kvmExampleBuildsExactlyWhereKvmIs() throws Exception {
        // Machines differ (a VM without nested virtualisation has no /dev/kvm), so the example is checked both ways: it
        // builds where a kvm node would, and fails in its builder elsewhere, which shows it really tests the device.
        String expression = Examples.read("nixbuild-kvm.yaml").at("/spec/expression").asText();
        Path kvm = Path.of("/dev/kvm");
        if (Files.isReadable(kvm) && Files.isWritable(kvm)) {
            String out = nix("nix-build", "--no-out-link", "-E", expression).trim();
            assertThat(Files.readString(Path.of(out))).isEqualTo("kvm-ok\n");
        } else {
            NixRun run = run("nix-build", "--no-out-link", "-E", expression);
            assertThat(run.exit()).as(run.stderr()).isNotZero();
            assertThat(run.stderr()).contains("builder for").contains("kvm-check.drv")
                    .contains("failed with exit code 1");
        }
    }

    private static String nix(String... command) throws Exception {
        NixRun run = run(command);
        assertThat(run.exit()).as(List.of(command) + ": " + run.stderr()).isZero();
        return run.stdout();
    }

    private record NixRun(int exit, String stdout, String stderr) {
    }

    private static NixRun run(String... command) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(command));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("NIX_CONF_DIR", confDir.toString());
        Path out = Files.createTempFile(confDir, "out", ".txt");
        Path err = Files.createTempFile(confDir, "err", ".txt");
        Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
            throw new AssertionError(cmd + " did not finish in 120 s");
        }
        return new NixRun(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }
}

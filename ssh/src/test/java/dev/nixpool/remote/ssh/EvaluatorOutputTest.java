package dev.nixpool.remote.ssh;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.nixpool.nix.derivation.ATermParser;
import dev.nixpool.remote.NixSettings;

/**
 * The evaluator's output (the .drv path, then the .drv's text) as {@link NixCommands#expression()} prints it: run by a
 * real {@code sh} against a stand-in nix-instantiate, and parsed back.
 */
class EvaluatorOutputTest {

    private static final String DRV = "Derive([(\"out\",\"/nix/store/0a9ddapbi3wldfn3qfxnqmc6n5gdg8dl-t\",\"\",\"\")],"
            + "[],[],\"x86_64-linux\",\"/bin/sh\",[\"-c\",\"echo a\\nb > $out\"],[(\"out\","
            + "\"/nix/store/0a9ddapbi3wldfn3qfxnqmc6n5gdg8dl-t\")])";

    @TempDir
    Path dir;

    private record Ran(int status, byte[] stdout) {
    }

    @Test
    void aPathAloneIsCheckedAsPrinted() {
        EvaluatorOutput out = parse("/nix/store/abc-t.drv\n");
        assertThat(out.printed()).isEqualTo("/nix/store/abc-t.drv");
        assertThat(out.drvText()).isNull();
        assertThat(parse("/nix/store/abc-t.drv").printed()).isEqualTo("/nix/store/abc-t.drv");
        assertThat(parse("").printed()).isEmpty();
    }

    @Test
    void severalPrintedLinesStayLinesWithoutText() {
        EvaluatorOutput out = parse("/nix/store/a-t.drv\n/nix/store/b-t.drv\n");
        assertThat(out.printed()).isEqualTo("/nix/store/a-t.drv\n/nix/store/b-t.drv");
        assertThat(out.drvText()).isNull();
    }

    @Test
    void theTextAfterThePathIsTheDrv() throws Exception {
        EvaluatorOutput out = parse("/nix/store/abc-t.drv\n" + DRV);
        assertThat(out.printed()).isEqualTo("/nix/store/abc-t.drv");
        assertThat(ATermParser.parse(out.drvText()).platform()).isEqualTo("x86_64-linux");
    }

    @Test
    void aFileThatIsNoATermOrWasCutIsLeftToTheServeRead() {
        EvaluatorOutput other = parse("/nix/store/abc-t.drv\nsomething else");
        assertThat(other.printed()).isEqualTo("/nix/store/abc-t.drv");
        assertThat(other.drvText()).isNull();
        EvaluatorOutput cut = parse("/nix/store/abc-t.drv\nDerive(" + "x".repeat(EvaluatorOutput.DRV_TEXT_LIMIT - 6));
        assertThat(cut.printed()).isEqualTo("/nix/store/abc-t.drv");
        assertThat(cut.drvText()).isNull();
        EvaluatorOutput whole = parse("/nix/store/abc-t.drv\nDerive(" + "x".repeat(EvaluatorOutput.DRV_TEXT_LIMIT - 7));
        assertThat(whole.drvText()).hasSize(EvaluatorOutput.DRV_TEXT_LIMIT);
    }

    @Test
    void theShellPrintsThePathThenTheFile() throws Exception {
        Path drv = Files.writeString(dir.resolve("abc-t.drv"), DRV);
        Ran ran = run("cat >/dev/null; echo " + drv);
        assertThat(ran.status()).isZero();
        EvaluatorOutput out = EvaluatorOutput.parse(ran.stdout());
        assertThat(out.printed()).isEqualTo(drv.toString());
        assertThat(new String(out.drvText(), StandardCharsets.UTF_8)).isEqualTo(DRV);
    }

    @Test
    void theShellCutsALargeFileOneByteAfterTheLimit() throws Exception {
        String large = "Derive(" + "x".repeat(2 * EvaluatorOutput.DRV_TEXT_LIMIT) + ")";
        Path drv = Files.writeString(dir.resolve("big-t.drv"), large);
        Ran ran = run("echo " + drv);
        assertThat(ran.stdout()).hasSize(drv.toString().length() + 1 + EvaluatorOutput.DRV_TEXT_LIMIT + 1)
                .hasSizeLessThan(RemoteCommands.MAX_OUTPUT);
        EvaluatorOutput out = EvaluatorOutput.parse(ran.stdout());
        assertThat(out.printed()).isEqualTo(drv.toString());
        assertThat(out.drvText()).isNull();
    }

    @Test
    void theShellPrintsOnlyThePathWhenItIsNoFile() throws Exception {
        Ran ran = run("echo /nix/store/a-t.drv; echo /nix/store/b-t.drv");
        assertThat(ran.status()).isZero();
        EvaluatorOutput out = EvaluatorOutput.parse(ran.stdout());
        assertThat(out.printed()).isEqualTo("/nix/store/a-t.drv\n/nix/store/b-t.drv");
        assertThat(out.drvText()).isNull();
    }

    @Test
    void theShellEndsWithTheEvaluatorsStatusAndPrintsNothingThen() throws Exception {
        Ran failed = run("echo error: undefined variable >&2; exit 1");
        assertThat(failed.status()).isEqualTo(1);
        assertThat(failed.stdout()).isEmpty();
        Path empty = Files.createDirectories(dir.resolve("empty"));
        Ran missing = runWithPath(empty.toString());
        assertThat(missing.status()).isEqualTo(127);
        assertThat(missing.stdout()).isEmpty();
    }

    private static EvaluatorOutput parse(String stdout) {
        return EvaluatorOutput.parse(stdout.getBytes(StandardCharsets.UTF_8));
    }

    /** With a stand-in nix-instantiate that runs {@code fakeEvaluator} (a shell script). */
    private Ran run(String fakeEvaluator) throws IOException, InterruptedException {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path fake = bin.resolve(NixCommands.EVALUATOR);
        Files.writeString(fake, "#!/bin/sh\n" + fakeEvaluator + "\n");
        Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwxr-xr-x"));
        return runWithPath(bin + ":/usr/bin:/bin");
    }

    /** Runs the command as sshd would ({@code sh -c}) with this PATH. */
    private Ran runWithPath(String path) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder("/bin/sh", "-c", new NixCommands(NixSettings.NONE).expression());
        pb.environment().put("PATH", path);
        // from a file: a command that ends without reading its stdin must not fail the test with a broken pipe
        pb.redirectInput(Files.writeString(dir.resolve("expression.nix"), "derivation { }").toFile());
        pb.redirectError(ProcessBuilder.Redirect.DISCARD);
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return new Ran(p.exitValue(), out);
    }
}

package dev.nixpool.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * One {@code nix-build --max-jobs 0} of an expression by this machine's own Nix, offloaded to the builders line
 * given over OpenSSH with the ssh_config given: what a Nix user's build does, timed as the user would, wall clock.
 */
final class ClientNixBuild {

    private ClientNixBuild() {
    }

    /**
     * @param offloadedTo what Nix's "building ... on '<uri>'" line must name: proof the build was offloaded
     * @return the process's wall time in milliseconds
     */
    static double wallMillis(String builders, Path sshConfig, String expression, String offloadedTo, Duration limit,
            Path log) throws IOException, InterruptedException {
        ProcessBuilder command = new ProcessBuilder("nix-build", "--no-out-link", "--max-jobs", "0",
                "--builders", builders,
                "--option", "substituters", "", "--option", "builders-use-substitutes", "false",
                "--option", "build-users-group", "",
                "-E", expression)
                .redirectErrorStream(true).redirectOutput(log.toFile());
        command.environment().put("NIX_SSHOPTS", "-F " + sshConfig);
        long started = System.nanoTime();
        Process process = command.start();
        if (!process.waitFor(limit.toSeconds(), TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IOException("nix-build did not finish within " + limit.toSeconds() + " s; its output: "
                    + Files.readString(log));
        }
        double millis = (System.nanoTime() - started) / 1e6;
        String output = Files.readString(log);
        if (process.exitValue() != 0) {
            throw new IOException("nix-build exited with " + process.exitValue() + ": " + output);
        }
        if (!output.contains("on '" + offloadedTo)) {
            throw new IOException("nix-build did not offload to " + offloadedTo + ": " + output);
        }
        return millis;
    }
}

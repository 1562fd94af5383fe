package dev.nixpool.remote.ssh;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import dev.nixpool.remote.BuilderException;
import dev.nixpool.remote.BuilderFailure;
import dev.nixpool.ssh.ServeStartException;
import dev.nixpool.ssh.ServeStartFailure;
import dev.nixpool.ssh.SshTransportException;

/** Maps the transport's and the protocol's failures onto {@link BuilderFailure}s, keeping their specific messages. */
final class BuilderFailures {

    /** CSI sequences (colours, cursor moves) that Nix writes even into non-terminals. */
    private static final Pattern ANSI = Pattern.compile("\u001B\\[[0-9;?]*[ -/]*[@-~]");

    private BuilderFailures() {
    }

    static BuilderException transport(SshTransportException e) {
        BuilderFailure failure = switch (e.reason()) {
            case CONNECTION_REFUSED, UNREACHABLE, TIMEOUT, DISCONNECTED -> BuilderFailure.UNREACHABLE;
            case HOST_KEY_MISMATCH -> BuilderFailure.HOST_KEY_MISMATCH;
            case AUTH_REFUSED, INVALID_KEY -> BuilderFailure.AUTH_REFUSED;
            case CHANNEL_FAILED, PROTOCOL_ERROR -> BuilderFailure.PROTOCOL_ERROR;
        };
        return new BuilderException(failure, e.getMessage(), e);
    }

    static BuilderException serveStart(ServeStartException e) {
        ServeStartFailure f = e.failure();
        BuilderFailure failure = switch (f.kind()) {
            case LOGIN_OUTPUT -> BuilderFailure.PROTOCOL_MISMATCH;
            case NIX_STORE_MISSING -> BuilderFailure.NIX_NOT_FOUND;
            case REMOTE_EXITED, HANDSHAKE_TIMEOUT, HANDSHAKE_FAILED -> BuilderFailure.PROTOCOL_ERROR;
        };
        return new BuilderException(failure, f.message(), e);
    }

    static String stripAnsi(String text) {
        return ANSI.matcher(text).replaceAll("");
    }

    /**
     * The evaluator's error out of its stderr: from the first {@code error:} line on (warnings and progress before it
     * are noise), colours removed; all of it if there is no such line. Warnings about a refused substitute are kept
     * ahead of it: Nix's error then only says a path "cannot be created", and the warning says why (a signature no
     * trusted key made, for instance).
     */
    static String evaluatorError(List<String> stderr) {
        List<String> plain = new ArrayList<>(stderr.size());
        stderr.forEach(l -> plain.add(stripAnsi(l)));
        int first = 0;
        for (int i = 0; i < plain.size(); i++) {
            if (plain.get(i).startsWith("error:")) {
                first = i;
                break;
            }
        }
        List<String> kept = new ArrayList<>();
        plain.subList(0, first).stream().filter(BuilderFailures::refusedSubstitute).distinct().forEach(kept::add);
        kept.addAll(plain.subList(first, plain.size()));
        return String.join("\n", kept).strip();
    }

    private static boolean refusedSubstitute(String line) {
        return line.startsWith("warning:") && line.contains("substitute");
    }

    static String seconds(Duration d) {
        long millis = d.toMillis();
        return millis % 1000 == 0 ? (millis / 1000) + " s" : String.format("%.1f s", millis / 1000.0);
    }
}

package dev.nixpool.remote;

import java.io.InputStream;
import java.io.OutputStream;
import java.util.Collection;
import java.util.List;
import java.util.Set;

import dev.nixpool.nix.build.BuildOptions;
import dev.nixpool.nix.build.BuildResult;
import dev.nixpool.nix.derivation.Derivation;
import dev.nixpool.nix.serve.PathInfo;
import dev.nixpool.nix.store.ValidPathInfo;

/**
 * One connected builder. Methods run one at a time and block; none of them holds a whole NAR or log in memory.
 * Closing the session ends whatever runs on the builder for it.
 */
public interface BuilderSession extends AutoCloseable {

    /** The builder's serve protocol version (0x207 for Nix 2.8). */
    int serveVersion();

    /** SHA256 fingerprint of the (pinned) host key the builder presented. */
    String hostKeyFingerprint();

    /**
     * Turns the source into a derivation valid in the builder's store and returns its path: evaluates an expression or a
     * flake on the builder (evaluator messages go to {@code log}), or makes a derivation path valid there, substituting it
     * from the builder's substituters.
     */
    String instantiate(BuildSource source, LogSink log) throws BuilderException;

    /** Reads and parses a derivation from the builder's store. */
    Derivation readDerivation(String drvPath) throws BuilderException;

    /**
     * Builds the derivation on the builder (its inputs first, as Nix would) with Nix's own time limits in
     * {@code options}; the build log goes to {@code log} line by line as it comes.
     */
    BuildResult build(String drvPath, Derivation derivation, BuildOptions options, LogSink log) throws BuilderException;

    /** Path info (narHash, narSize, references) of valid paths; invalid ones are left out. */
    List<PathInfo> queryPathInfos(Collection<String> paths) throws BuilderException;

    /**
     * True while the session can take another build: nothing failed on it and it is not closed, so its serve process is
     * in step. Sessions that cannot say (test doubles) are never reused.
     */
    default boolean reusable() {
        return false;
    }

    /**
     * Gets ready for the next build's evaluation ahead of it (for a session kept for later builds): between builds, or
     * from another thread while a build that has done its evaluation goes on with the other methods. Best effort and
     * quick to call again; sessions that cannot (test doubles) do nothing.
     */
    default void prepare() {
    }

    /** The closure of valid {@code paths} in the builder's store: the paths and everything they refer to. */
    Set<String> queryClosure(Collection<String> paths) throws BuilderException;

    /**
     * Streams the NAR of a valid path into {@code nar} (not closed), as the builder's store serializes it. Not bounded
     * in time (a NAR may be large); a dead connection ends it through the SSH keep-alive.
     */
    void dumpPath(String path, OutputStream nar) throws BuilderException;

    /** Which of {@code paths} are valid in the remote store. */
    Set<String> queryValidPaths(Collection<String> paths) throws BuilderException;

    /**
     * Adds one path to the remote store (serve protocol's AddToStoreNar, 2.5 and later): {@code info}, signatures
     * included, and exactly {@code info.narSize()} NAR bytes from {@code nar}. Not bounded in time, as dumpPath.
     */
    void addToStore(ValidPathInfo info, InputStream nar) throws BuilderException;

    @Override
    void close();
}

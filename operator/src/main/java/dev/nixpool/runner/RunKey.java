package dev.nixpool.runner;

/** One attempt of one NixBuild: the build's uid (a re-created build of the same name is another build) and attempt. */
public record RunKey(String uid, int attempt) {
}

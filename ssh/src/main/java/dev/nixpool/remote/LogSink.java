package dev.nixpool.remote;

/** Receives the builder's log (evaluator messages and the build log) one line at a time, as it comes. */
@FunctionalInterface
public interface LogSink {

    void line(String line);
}

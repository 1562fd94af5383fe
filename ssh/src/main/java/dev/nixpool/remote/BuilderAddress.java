package dev.nixpool.remote;

/** Where a builder's sshd listens (the pod IP and its ssh port) and whom to log in as. */
public record BuilderAddress(String host, int port, String user) {
}

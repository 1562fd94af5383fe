package dev.nixpool.cache;

/** An open ssh-ng:// destination: another Nix store's daemon. Closing it ends the connection; it throws nothing. */
public interface DaemonStore extends NixStoreTarget, AutoCloseable {

    @Override
    void close();
}

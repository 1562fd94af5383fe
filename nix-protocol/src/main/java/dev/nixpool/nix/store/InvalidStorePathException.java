package dev.nixpool.nix.store;

import dev.nixpool.nix.wire.NixWireException;

/** Text that is not a valid Nix store path; the message says which rule of src/libstore/path.cc it breaks. */
public class InvalidStorePathException extends NixWireException {

    public InvalidStorePathException(String path, String problem) {
        super("invalid store path '" + StorePath.abbreviate(path) + "': " + problem);
    }
}

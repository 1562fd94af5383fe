package dev.nixpool.nix.machines;

/** A machines-file entry Nix would refuse; the message names the line and field. */
public class MachinesFormatException extends IllegalArgumentException {

    public MachinesFormatException(String message) {
        super(message);
    }
}

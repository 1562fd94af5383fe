package dev.nixpool.nix.nar;

/** The literal strings of the NAR grammar (src/libutil/archive.cc). */
final class NarTokens {

    static final String MAGIC = "nix-archive-1";
    static final String OPEN = "(";
    static final String CLOSE = ")";
    static final String TYPE = "type";
    static final String REGULAR = "regular";
    static final String DIRECTORY = "directory";
    static final String SYMLINK = "symlink";
    static final String EXECUTABLE = "executable";
    static final String CONTENTS = "contents";
    static final String TARGET = "target";
    static final String ENTRY = "entry";
    static final String NAME = "name";
    static final String NODE = "node";

    private NarTokens() {
    }
}

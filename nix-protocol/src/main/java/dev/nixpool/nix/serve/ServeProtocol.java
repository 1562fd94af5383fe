package dev.nixpool.nix.serve;

/** Constants of Nix's legacy serve protocol (src/libstore/serve-protocol.hh). */
public final class ServeProtocol {

    public static final long MAGIC_1 = 0x390c9debL;
    public static final long MAGIC_2 = 0x5452eecbL;

    /**
     * The version we advertise: 2.7, what Nix 2.4 to 2.34 speak. Nix 2.4-2.10 servers append builtOutputs to every
     * BuildResult whatever the client says, so advertising exactly 2.7 keeps our reader in step with them.
     */
    public static final int CLIENT_VERSION = 0x207;
    /** The newest version we can read and write (current Nix's: builtOutputs as paths, not JSON realisations). */
    public static final int LATEST_VERSION = 0x208;
    public static final int MAJOR_MASK = 0xff00;
    public static final int MAJOR = 0x200;

    public static final int CMD_QUERY_VALID_PATHS = 1;
    public static final int CMD_QUERY_PATH_INFOS = 2;
    public static final int CMD_DUMP_STORE_PATH = 3;
    public static final int CMD_IMPORT_PATHS = 4;
    public static final int CMD_EXPORT_PATHS = 5;
    public static final int CMD_BUILD_PATHS = 6;
    public static final int CMD_QUERY_CLOSURE = 7;
    public static final int CMD_BUILD_DERIVATION = 8;
    public static final int CMD_ADD_TO_STORE_NAR = 9;

    /** The remote command Nix runs over SSH for an ssh:// store. */
    public static final String REMOTE_COMMAND = "nix-store --serve --write";

    private ServeProtocol() {
    }

    public static int major(int version) {
        return version & MAJOR_MASK;
    }

    public static int minor(int version) {
        return version & 0xff;
    }

    /** The command's name in Nix's sources, for messages. */
    public static String commandName(int id) {
        return switch (id) {
            case CMD_QUERY_VALID_PATHS -> "QueryValidPaths";
            case CMD_QUERY_PATH_INFOS -> "QueryPathInfos";
            case CMD_DUMP_STORE_PATH -> "DumpStorePath";
            case CMD_IMPORT_PATHS -> "ImportPaths";
            case CMD_EXPORT_PATHS -> "ExportPaths";
            case CMD_BUILD_PATHS -> "BuildPaths";
            case CMD_QUERY_CLOSURE -> "QueryClosure";
            case CMD_BUILD_DERIVATION -> "BuildDerivation";
            case CMD_ADD_TO_STORE_NAR -> "AddToStoreNar";
            default -> "command " + id;
        };
    }

    /** As Nix users know it: 0x207 is "2.7". */
    public static String format(int version) {
        return (version >> 8) + "." + minor(version);
    }
}

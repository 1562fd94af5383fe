package dev.nixpool.nix.worker;

/** Constants of Nix's worker protocol (src/libstore/worker-protocol.hh), spoken by {@code nix-daemon --stdio}. */
public final class WorkerProtocol {

    public static final long MAGIC_1 = 0x6e697863L;
    public static final long MAGIC_2 = 0x6478696fL;
    /** 1.34, what Nix 2.8 speaks; we send nothing that needs more. */
    public static final int CLIENT_VERSION = 0x122;

    public static final long STDERR_NEXT = 0x6f6c6d67L;
    public static final long STDERR_READ = 0x64617461L;
    public static final long STDERR_WRITE = 0x64617416L;
    public static final long STDERR_LAST = 0x616c7473L;
    public static final long STDERR_ERROR = 0x63787470L;
    public static final long STDERR_START_ACTIVITY = 0x53545254L;
    public static final long STDERR_STOP_ACTIVITY = 0x53544f50L;
    public static final long STDERR_RESULT = 0x52534c54L;

    public static final int OP_IS_VALID_PATH = 1;
    public static final int OP_QUERY_PATH_INFO = 26;
    public static final int OP_QUERY_VALID_PATHS = 31;
    public static final int OP_BUILD_DERIVATION = 36;
    public static final int OP_NAR_FROM_PATH = 38;
    public static final int OP_ADD_TO_STORE_NAR = 39;

    /** Activity and result types seen in remote builds (src/libutil/logging.hh). */
    public static final int ACT_COPY_PATH = 100;
    public static final int ACT_BUILD = 105;
    public static final int RES_BUILD_LOG_LINE = 101;
    public static final int RES_SET_PHASE = 104;
    public static final int RES_PROGRESS = 105;

    private WorkerProtocol() {
    }

    public static int minor(int version) {
        return version & 0xff;
    }

    public static int major(int version) {
        return version & 0xff00;
    }
}

package dev.nixpool.nix.worker;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import dev.nixpool.nix.wire.NixWireException;
import dev.nixpool.nix.wire.WireReader;

/** Decodes stderr messages for a given daemon protocol version; every count and string is bounded. */
public final class StderrReader {

    static final int MAX_TEXT = 4 * 1024 * 1024;
    static final int MAX_FIELDS = 64;
    static final int MAX_TRACES = 1024;

    private final WireReader in;
    private final int minor;

    public StderrReader(WireReader in, int daemonVersion) {
        this.in = in;
        this.minor = WorkerProtocol.minor(daemonVersion);
    }

    public StderrMessage read() throws IOException {
        long tag = in.readU64("a stderr message tag");
        if (tag == WorkerProtocol.STDERR_NEXT) {
            return new StderrMessage.Next(in.readString("log text", MAX_TEXT));
        } else if (tag == WorkerProtocol.STDERR_READ) {
            return new StderrMessage.Read(in.readBounded("bytes wanted by STDERR_READ", Integer.MAX_VALUE));
        } else if (tag == WorkerProtocol.STDERR_WRITE) {
            return new StderrMessage.Write(in.readBytes("STDERR_WRITE data", MAX_TEXT));
        } else if (tag == WorkerProtocol.STDERR_LAST) {
            return new StderrMessage.Last();
        } else if (tag == WorkerProtocol.STDERR_ERROR) {
            return error();
        } else if (tag == WorkerProtocol.STDERR_START_ACTIVITY) {
            long id = in.readU64("activity id");
            long level = in.readBounded("activity level", 0xFFFFFFFFL);
            long type = in.readBounded("activity type", 0xFFFFFFFFL);
            String text = in.readString("activity text", MAX_TEXT);
            List<StderrMessage.Field> fields = fields();
            long parent = in.readU64("parent activity id");
            return new StderrMessage.StartActivity(id, level, type, text, fields, parent);
        } else if (tag == WorkerProtocol.STDERR_STOP_ACTIVITY) {
            return new StderrMessage.StopActivity(in.readU64("activity id"));
        } else if (tag == WorkerProtocol.STDERR_RESULT) {
            long id = in.readU64("activity id");
            long type = in.readBounded("result type", 0xFFFFFFFFL);
            return new StderrMessage.Result(id, type, fields());
        }
        throw new NixWireException("expected a stderr message tag (STDERR_NEXT, _LAST, _ERROR, ...), got 0x"
                + Long.toHexString(tag));
    }

    private StderrMessage error() throws IOException {
        if (minor < 26) {
            String msg = in.readString("error message", MAX_TEXT);
            long status = in.readBounded("error status", 0xFFFFFFFFL);
            return new StderrMessage.Error("Error", 0, "Error", msg, List.of(), status);
        }
        String type = in.readString("error type", 64);
        if (!type.equals("Error")) {
            throw new NixWireException("expected error type 'Error', got '" + type + "'");
        }
        long level = in.readBounded("error level", 0xFFFFFFFFL);
        String name = in.readString("error name", 1024);
        String msg = in.readString("error message", MAX_TEXT);
        noPosition("error");
        int count = in.readInt("number of error traces", MAX_TRACES);
        List<String> traces = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            noPosition("error trace");
            traces.add(in.readString("error trace", MAX_TEXT));
        }
        return new StderrMessage.Error(type, level, name, msg, traces, 1);
    }

    /** Nix never sends positions over the wire and asserts so itself. */
    private void noPosition(String what) throws IOException {
        if (in.readBool("position flag of " + what)) {
            throw new NixWireException("expected no position in " + what + " (flag 0), got 1");
        }
    }

    private List<StderrMessage.Field> fields() throws IOException {
        int count = in.readInt("number of activity fields", MAX_FIELDS);
        List<StderrMessage.Field> fields = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            long type = in.readU64("type of activity field " + i);
            if (type == 0) {
                fields.add(new StderrMessage.Int(in.readU64("integer activity field")));
            } else if (type == 1) {
                fields.add(new StderrMessage.Text(in.readString("string activity field", MAX_TEXT)));
            } else {
                throw new NixWireException("expected activity field type 0 (int) or 1 (string), got "
                        + Long.toUnsignedString(type));
            }
        }
        return fields;
    }
}

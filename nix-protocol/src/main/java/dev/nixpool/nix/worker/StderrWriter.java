package dev.nixpool.nix.worker;

import java.io.IOException;

import dev.nixpool.nix.wire.WireWriter;

/** The daemon's side of {@link StderrReader}, for gateways and for testing the reader against its inverse. */
public final class StderrWriter {

    private final WireWriter out;
    private final int minor;

    public StderrWriter(WireWriter out, int daemonVersion) {
        this.out = out;
        this.minor = WorkerProtocol.minor(daemonVersion);
    }

    public void write(StderrMessage m) throws IOException {
        if (m instanceof StderrMessage.Next n) {
            out.writeU64(WorkerProtocol.STDERR_NEXT).writeString(n.text());
        } else if (m instanceof StderrMessage.Read r) {
            out.writeU64(WorkerProtocol.STDERR_READ).writeU64(r.wanted());
        } else if (m instanceof StderrMessage.Write w) {
            out.writeU64(WorkerProtocol.STDERR_WRITE).writeBytes(w.data());
        } else if (m instanceof StderrMessage.Last) {
            out.writeU64(WorkerProtocol.STDERR_LAST);
        } else if (m instanceof StderrMessage.Error e) {
            out.writeU64(WorkerProtocol.STDERR_ERROR);
            if (minor < 26) {
                out.writeString(e.message()).writeU64(e.status());
            } else {
                out.writeString(e.type()).writeU64(e.level()).writeString(e.name()).writeString(e.message())
                        .writeU64(0).writeU64(e.traces().size());
                for (String t : e.traces()) {
                    out.writeU64(0).writeString(t);
                }
            }
        } else if (m instanceof StderrMessage.StartActivity a) {
            out.writeU64(WorkerProtocol.STDERR_START_ACTIVITY).writeU64(a.id()).writeU64(a.level()).writeU64(a.type())
                    .writeString(a.text());
            fields(a.fields());
            out.writeU64(a.parent());
        } else if (m instanceof StderrMessage.StopActivity s) {
            out.writeU64(WorkerProtocol.STDERR_STOP_ACTIVITY).writeU64(s.id());
        } else if (m instanceof StderrMessage.Result r) {
            out.writeU64(WorkerProtocol.STDERR_RESULT).writeU64(r.id()).writeU64(r.type());
            fields(r.fields());
        }
    }

    private void fields(java.util.List<StderrMessage.Field> fields) throws IOException {
        out.writeU64(fields.size());
        for (StderrMessage.Field f : fields) {
            if (f instanceof StderrMessage.Int i) {
                out.writeU64(0).writeU64(i.value());
            } else if (f instanceof StderrMessage.Text t) {
                out.writeU64(1).writeString(t.value());
            }
        }
    }
}

package dev.nixpool.nix.worker;

import java.util.List;

/**
 * One message of the worker protocol's stderr channel, which precedes every reply. {@link Last} ends it with success,
 * {@link Error} with failure (no reply follows); {@link Read} asks the client for data.
 */
public sealed interface StderrMessage {

    /** A log line (older Nix, or messages outside activities). */
    record Next(String text) implements StderrMessage {
    }

    /** The server wants up to {@code wanted} bytes of the client's source; the client must answer with a string. */
    record Read(long wanted) implements StderrMessage {
    }

    record Write(byte[] data) implements StderrMessage {
    }

    record Last() implements StderrMessage {
    }

    /** {@code status} is the exit status (older protocols); {@code traces} are hint texts, outermost first. */
    record Error(String type, long level, String name, String message, List<String> traces, long status)
            implements
                StderrMessage {

        public Error {
            traces = List.copyOf(traces);
        }
    }

    record StartActivity(long id, long level, long type, String text, List<Field> fields, long parent)
            implements
                StderrMessage {

        public StartActivity {
            fields = List.copyOf(fields);
        }
    }

    record StopActivity(long id) implements StderrMessage {
    }

    /** A result of an activity; type 101 (BuildLogLine) carries one string field, the line. */
    record Result(long id, long type, List<Field> fields) implements StderrMessage {

        public Result {
            fields = List.copyOf(fields);
        }

        public boolean isBuildLogLine() {
            return type == WorkerProtocol.RES_BUILD_LOG_LINE && fields.size() == 1 && fields.get(0) instanceof Text;
        }
    }

    /** A field of an activity or result: an integer (wire type 0) or a string (wire type 1). */
    sealed interface Field {
    }

    record Int(long value) implements Field {
    }

    record Text(String value) implements Field {
    }
}

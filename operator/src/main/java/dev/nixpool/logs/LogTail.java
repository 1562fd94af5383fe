package dev.nixpool.logs;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.regex.Pattern;

/**
 * The end of a build log as {@code status.logTail} shows it: the last lines, ANSI escape sequences removed (Nix colours
 * its messages), and never more than a byte budget, since the status lives in etcd.
 */
public final class LogTail {

    /** CSI sequences (colours, cursor moves) and two-character escapes (cursor save/restore among them). */
    private static final Pattern ANSI = Pattern.compile("\u001B\\[[0-?]*[ -/]*[@-~]|\u001B[@-Z\\\\-_78=>]");

    private LogTail() {
    }

    public static String stripAnsi(String text) {
        return ANSI.matcher(text).replaceAll("");
    }

    /**
     * The last {@code maxLines} lines of {@code text} that fit in {@code maxBytes} UTF-8 bytes together; a single last
     * line longer than the budget keeps its end.
     */
    public static String of(String text, int maxLines, int maxBytes) {
        String clean = stripAnsi(text).replace("\r\n", "\n");
        if (clean.endsWith("\n")) {
            clean = clean.substring(0, clean.length() - 1);
        }
        if (clean.isEmpty() || maxLines <= 0 || maxBytes <= 0) {
            return "";
        }
        String[] lines = clean.split("\n", -1);
        Deque<String> kept = new ArrayDeque<>();
        int bytes = 0;
        for (int i = lines.length - 1; i >= 0 && kept.size() < maxLines; i--) {
            int size = utf8Length(lines[i]) + (kept.isEmpty() ? 0 : 1);
            if (bytes + size > maxBytes) {
                if (kept.isEmpty()) {
                    kept.addFirst(suffixWithin(lines[i], maxBytes));
                }
                break;
            }
            kept.addFirst(lines[i]);
            bytes += size;
        }
        return String.join("\n", kept);
    }

    private static int utf8Length(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }

    private static String suffixWithin(String line, int maxBytes) {
        int start = line.length();
        int bytes = 0;
        while (start > 0) {
            int cp = line.codePointBefore(start);
            int size = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8).length;
            if (bytes + size > maxBytes) {
                break;
            }
            bytes += size;
            start -= Character.charCount(cp);
        }
        return line.substring(start);
    }
}

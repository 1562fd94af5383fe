package dev.nixpool.nix.nar;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;

/**
 * Unpacks a NAR into {@code target}, which must not exist yet. The parser has already refused names with {@code /},
 * {@code .} and {@code ..}, and every parent is a directory this restorer created, so nothing lands outside
 * {@code target}; symlinks are created, never followed.
 */
public final class NarRestorer implements NarVisitor {

    private static final Set<PosixFilePermission> EXECUTABLE = Set.of(PosixFilePermission.OWNER_READ,
            PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.GROUP_READ,
            PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_EXECUTE);

    private final Path target;

    private NarRestorer(Path target) {
        this.target = target;
    }

    public static NarDigest restore(InputStream nar, Path target) throws IOException {
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException("cannot restore a NAR to '" + target + "': it already exists");
        }
        HashingInputStream tee = new HashingInputStream(nar, null);
        NarParser.parse(tee, new NarRestorer(target));
        return tee.digest();
    }

    private Path resolve(String path) {
        return path.isEmpty() ? target : target.resolve(path);
    }

    @Override
    public void directoryStart(String path) throws IOException {
        Files.createDirectory(resolve(path));
    }

    @Override
    public void regularFile(String path, boolean executable, long size, InputStream contents) throws IOException {
        Path file = resolve(path);
        try (OutputStream out = Files.newOutputStream(file, StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE)) {
            contents.transferTo(out);
        }
        if (executable) {
            Files.setPosixFilePermissions(file, EXECUTABLE);
        }
    }

    @Override
    public void symlink(String path, String linkTarget) throws IOException {
        Files.createSymbolicLink(resolve(path), Paths.get(linkTarget));
    }
}

package dev.nixpool.cache;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import dev.nixpool.nix.cache.NarInfo;
import dev.nixpool.nix.cache.NixSecretKey;
import dev.nixpool.nix.store.NixHash;
import dev.nixpool.nix.store.StorePath;
import dev.nixpool.nix.store.ValidPathInfo;

/**
 * Copies store paths into another Nix store (an ssh:// destination) as {@code nix copy --to ssh://} does, signing
 * them here: asks the store which paths it lacks, then adds those references first, each with the operator's
 * signature in its path info. Each NAR is staged in a temp file and checked against its narHash and narSize before
 * it is sent (the store checks it again). Paths arrive whole or not at all, and never before their references.
 */
public final class StoreCopier {

    private final NixStoreTarget store;
    private final NixSecretKey key;
    private final Path tempDir;

    public StoreCopier(NixStoreTarget store, NixSecretKey key, Path tempDir) {
        this.store = store;
        this.key = key;
        this.tempDir = tempDir;
    }

    /** What a copy did: paths added (references first) and paths the store had. */
    public record Report(List<StorePath> copied, List<StorePath> alreadyPresent) {

        public Report {
            copied = List.copyOf(copied);
            alreadyPresent = List.copyOf(alreadyPresent);
        }
    }

    public Report copy(Collection<ValidPathInfo> paths, NarDump dump) throws IOException {
        List<ValidPathInfo> order = ClosureOrder.referencesFirst(paths);
        Set<StorePath> valid = store.valid(order.stream().map(ValidPathInfo::path).toList());
        List<StorePath> copied = new ArrayList<>();
        List<StorePath> present = new ArrayList<>();
        for (ValidPathInfo info : order) {
            if (valid.contains(info.path())) {
                present.add(info.path());
                continue;
            }
            Path tmp = Files.createTempFile(tempDir, "nixpool-nar-", ".tmp");
            try {
                stage(info, dump, tmp);
                ValidPathInfo signed = new ValidPathInfo(info.path(), info.deriver(), info.narHash(),
                        info.references(), 0, info.narSize(), false, List.of(key.sign(fingerprint(info))), info.ca());
                try (InputStream nar = Files.newInputStream(tmp)) {
                    store.add(signed, nar);
                }
                copied.add(info.path());
            } finally {
                Files.deleteIfExists(tmp);
            }
        }
        return new Report(copied, present);
    }

    /** What Nix signs, as {@link NarInfo#fingerprint()} (ValidPathInfo::fingerprint in src/libstore/path-info.cc). */
    static String fingerprint(ValidPathInfo info) {
        return "1;" + info.path() + ";" + info.narHash().toPrefixedNix32() + ";" + info.narSize() + ";"
                + info.references().stream().sorted().map(StorePath::toString).collect(Collectors.joining(","));
    }

    private static void stage(ValidPathInfo info, NarDump dump, Path tmp) throws IOException {
        MessageDigest sha = NixHash.newSha256();
        long[] written = {0};
        try (OutputStream file = Files.newOutputStream(tmp)) {
            dump.writeTo(info.path(), new OutputStream() {
                @Override
                public void write(int b) throws IOException {
                    write(new byte[]{(byte) b}, 0, 1);
                }

                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    if (written[0] + len > info.narSize()) {
                        throw new CacheUploadException("the NAR of " + info.path()
                                + " is longer than its recorded narSize " + info.narSize() + ": not copying it");
                    }
                    sha.update(b, off, len);
                    file.write(b, off, len);
                    written[0] += len;
                }
            });
        }
        NixHash actual = NixHash.sha256(sha.digest());
        if (written[0] != info.narSize() || !actual.equals(info.narHash())) {
            throw new CacheUploadException("the NAR of " + info.path() + " (" + written[0] + " bytes, " + actual
                    + ") does not match its recorded narSize " + info.narSize() + " and narHash " + info.narHash()
                    + ": not copying it");
        }
    }
}

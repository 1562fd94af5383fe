package dev.nixpool.cache;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import dev.nixpool.nix.cache.NarCompression;
import dev.nixpool.nix.cache.NarInfo;
import dev.nixpool.nix.cache.NarInfoWriter;
import dev.nixpool.nix.cache.NixCacheInfo;
import dev.nixpool.nix.cache.NixSecretKey;
import dev.nixpool.nix.nar.HashingOutputStream;
import dev.nixpool.nix.nar.NarDigest;
import dev.nixpool.nix.store.NixHash;
import dev.nixpool.nix.store.StorePath;
import dev.nixpool.nix.store.ValidPathInfo;

/**
 * Writes store paths into a binary cache as Nix's BinaryCacheStore does, signing them here (the builder never sees
 * the key): the NAR, checked against its recorded narHash/narSize while it is compressed into a temp file, then
 * {@code nar/<fileHash>.nar.<ext>} (skipped when the cache has that very file), then the signed
 * {@code <hashPart>.narinfo} last, so a narinfo never points at a missing NAR. {@code nix-cache-info} is written once,
 * before the first path, when the cache has none. The temp file is as large as the compressed NAR.
 */
public final class BinaryCacheWriter {

    static final String NAR_TYPE = "application/x-nix-nar";
    static final String NARINFO_TYPE = "text/x-nix-narinfo";
    static final String CACHE_INFO_TYPE = "text/x-nix-cache-info";

    private static final int BUFFER = 64 * 1024;

    private final CacheStore store;
    private final NixSecretKey key;
    private final NarCompression compression;
    private final NarCompressors compressors;
    private final Path tempDir;
    private volatile boolean cacheInfoChecked;

    public BinaryCacheWriter(CacheStore store, NixSecretKey key, NarCompression compression, Path tempDir) {
        this(store, key, compression, NarCompressors.DEFAULTS, tempDir);
    }

    public BinaryCacheWriter(CacheStore store, NixSecretKey key, NarCompression compression,
            NarCompressors compressors, Path tempDir) {
        this.store = store;
        this.key = key;
        this.compression = compression;
        this.compressors = compressors;
        this.tempDir = tempDir;
    }

    /** Whether the cache already has the path (its narinfo). */
    public boolean has(StorePath path) throws IOException {
        return store.exists(NarInfo.key(path));
    }

    /**
     * Writes one path from its NAR, which must be exactly {@code info.narSize()} bytes hashing to
     * {@code info.narHash()}; nothing reaches the cache otherwise. Does not check that the references are there: see
     * {@link #upload}.
     */
    public NarInfo write(ValidPathInfo info, InputStream nar) throws IOException {
        return write(info, (path, out) -> copyExactly(info, nar, out));
    }

    /** As {@link #write(ValidPathInfo, InputStream)}, with the NAR pushed by {@code dump} (a builder's serve reply). */
    public NarInfo write(ValidPathInfo info, NarDump dump) throws IOException {
        ensureCacheInfo();
        Path tmp = Files.createTempFile(tempDir, "nixpool-nar-", ".tmp");
        try {
            NarDigest file = compress(info, dump, tmp);
            String url = compression.narUrl(file.narHash());
            if (!store.exists(url)) {
                store.put(url, tmp, NAR_TYPE);
            }
            NarInfo narInfo = key.sign(new NarInfo(info.path(), url, compression.nixName(), file.narHash(),
                    file.narSize(), info.narHash(), info.narSize(), info.references(), info.deriver(), List.of(),
                    info.ca()));
            store.put(NarInfo.key(info.path()), NarInfoWriter.write(narInfo).getBytes(StandardCharsets.UTF_8),
                    NARINFO_TYPE);
            return narInfo;
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * Uploads the paths the cache does not have yet, references before referrers. Before anything is written it checks
     * that every reference outside {@code paths} is already in the cache, so the cache never gets a path it cannot
     * serve whole.
     */
    public UploadReport upload(Collection<ValidPathInfo> paths, NarSource source) throws IOException {
        return upload(paths, (path, out) -> {
            ValidPathInfo info = paths.stream().filter(i -> i.path().equals(path)).findFirst().orElseThrow();
            try (InputStream nar = source.open(path)) {
                copyExactly(info, nar, out);
            }
        });
    }

    /** As {@link #upload(Collection, NarSource)}, with each NAR pushed by {@code dump}. */
    public UploadReport upload(Collection<ValidPathInfo> paths, NarDump dump) throws IOException {
        List<ValidPathInfo> order = ClosureOrder.referencesFirst(paths);
        Set<StorePath> inSet = new HashSet<>();
        order.forEach(i -> inSet.add(i.path()));
        List<ValidPathInfo> missing = new ArrayList<>();
        List<StorePath> present = new ArrayList<>();
        for (ValidPathInfo info : order) {
            if (has(info.path())) {
                present.add(info.path());
            } else {
                missing.add(info);
            }
        }
        Set<StorePath> checked = new HashSet<>();
        for (ValidPathInfo info : missing) {
            for (StorePath ref : info.references()) {
                if (!inSet.contains(ref) && checked.add(ref) && !has(ref)) {
                    throw new CacheUploadException("cannot upload " + info.path() + " to " + store.location()
                            + ": its reference " + ref + " is neither in the cache nor among the paths to upload");
                }
            }
        }
        List<NarInfo> uploaded = new ArrayList<>();
        for (ValidPathInfo info : missing) {
            uploaded.add(write(info, dump));
        }
        return new UploadReport(uploaded, present);
    }

    private void ensureCacheInfo() throws IOException {
        if (cacheInfoChecked) {
            return;
        }
        synchronized (this) {
            if (!cacheInfoChecked) {
                if (!store.exists(NixCacheInfo.KEY)) {
                    store.put(NixCacheInfo.KEY,
                            NixCacheInfo.ofStoreDir().toText().getBytes(StandardCharsets.UTF_8), CACHE_INFO_TYPE);
                }
                cacheInfoChecked = true;
            }
        }
    }

    /** Compresses the NAR {@code dump} writes into {@code tmp}; returns the compressed file's hash and size. */
    private NarDigest compress(ValidPathInfo info, NarDump dump, Path tmp) throws IOException {
        HashingOutputStream fileHashing;
        NarCheck check;
        try (OutputStream file = Files.newOutputStream(tmp)) {
            fileHashing = new HashingOutputStream(new BufferedOutputStream(file, BUFFER));
            try (OutputStream compressed = compressors.compress(compression, fileHashing)) {
                check = new NarCheck(info, compressed);
                dump.writeTo(info.path(), check);
            }
        }
        check.verify();
        return fileHashing.digest();
    }

    private static void copyExactly(ValidPathInfo info, InputStream nar, OutputStream out) throws IOException {
        long remaining = info.narSize();
        byte[] buf = new byte[BUFFER];
        while (remaining > 0) {
            int n = nar.read(buf, 0, (int) Math.min(buf.length, remaining));
            if (n < 0) {
                throw new CacheUploadException("the NAR of " + info.path() + " ended after "
                        + (info.narSize() - remaining) + " of its " + info.narSize() + " bytes");
            }
            out.write(buf, 0, n);
            remaining -= n;
        }
    }

    /** Hashes and counts the NAR on its way to the compressor, refusing a byte beyond its recorded narSize. */
    private static final class NarCheck extends OutputStream {

        private final ValidPathInfo info;
        private final OutputStream out;
        private final java.security.MessageDigest narHash = NixHash.newSha256();
        private long written;

        NarCheck(ValidPathInfo info, OutputStream out) {
            this.info = info;
            this.out = out;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[]{(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (written + len > info.narSize()) {
                throw new CacheUploadException("the NAR of " + info.path() + " is longer than its recorded narSize "
                        + info.narSize() + ": not uploading it");
            }
            narHash.update(b, off, len);
            out.write(b, off, len);
            written += len;
        }

        void verify() throws CacheUploadException {
            if (written != info.narSize()) {
                throw new CacheUploadException("the NAR of " + info.path() + " ended after " + written + " of its "
                        + info.narSize() + " bytes");
            }
            NixHash actual = NixHash.sha256(narHash.digest());
            if (!actual.equals(info.narHash())) {
                throw new CacheUploadException("the NAR of " + info.path() + " hashes to " + actual
                        + ", but its recorded narHash is " + info.narHash() + ": not uploading it");
            }
        }
    }
}

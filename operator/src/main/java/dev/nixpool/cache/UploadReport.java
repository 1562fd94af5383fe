package dev.nixpool.cache;

import java.util.List;

import dev.nixpool.nix.cache.NarInfo;
import dev.nixpool.nix.store.StorePath;

/** What an upload did: the narinfos it wrote (signed, in upload order) and the paths the cache already had. */
public record UploadReport(List<NarInfo> uploaded, List<StorePath> alreadyPresent) {

    public UploadReport {
        uploaded = List.copyOf(uploaded);
        alreadyPresent = List.copyOf(alreadyPresent);
    }
}

package dev.nixpool.api.v1alpha1;

/**
 * Where a NixBuild is in its life. Succeeded and Failed are final. Uploading: built, its outputs being copied to
 * {@code copyTo} (only builds with a destination pass through it).
 */
public enum NixBuildPhase {
    Pending, Scheduled, Building, Uploading, Succeeded, Failed;

    public boolean isFinal() {
        return this == Succeeded || this == Failed;
    }
}

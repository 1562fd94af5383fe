package dev.nixpool.api.v1alpha1;

/** Where a NixBuild is in its life. Succeeded and Failed are final. */
public enum NixBuildPhase {
    Pending, Scheduled, Building, Succeeded, Failed;

    public boolean isFinal() {
        return this == Succeeded || this == Failed;
    }
}

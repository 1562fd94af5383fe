package dev.nixpool.runtime;

import java.util.Optional;

/**
 * The images the builder runtime can run, as a node's image store would have them. There are no images here: the
 * runtime runs the repository's builder image (images/builder) from its entrypoint. So it "has" exactly that image,
 * under whatever registry, path and tag it is published: an image whose last path segment is {@value #BUILDER_IMAGE}
 * ({@code nixpool/builder:0.1.0}, {@code ghcr.io/nixpool/builder:dev}, {@code builder}). Any other image cannot be
 * pulled, and its pod stays Pending with the container waiting as a kubelet leaves it: {@code ErrImagePull} (or
 * {@code ErrImageNeverPull} under imagePullPolicy Never) with containerd's message, and a Warning Event
 * {@code Failed} on the pod.
 */
final class ImageCatalog {

    static final String BUILDER_IMAGE = "builder";

    /** Why a container's image cannot be run: the waiting reason and message a kubelet reports. */
    record PullFailure(String reason, String message) {
    }

    private ImageCatalog() {
    }

    static Optional<PullFailure> problem(String image, String pullPolicy) {
        if (image == null || image.isBlank()) {
            return Optional.of(new PullFailure("InvalidImageName", "Failed to apply default image tag \"\": "
                    + "couldn't parse image name \"\": invalid reference format"));
        }
        if (BUILDER_IMAGE.equals(repositoryName(image))) {
            return Optional.empty();
        }
        if ("Never".equals(pullPolicy)) {
            return Optional.of(new PullFailure("ErrImageNeverPull", "Container image \"" + image
                    + "\" is not present with pull policy of Never"));
        }
        return Optional.of(new PullFailure("ErrImagePull", "failed to pull and unpack image \"" + image
                + "\": failed to resolve reference \"" + image + "\": " + image
                + ": not found (the local builder runtime has only the builder image, images/builder: an image"
                + " named .../builder[:tag])"));
    }

    /** The last path segment without tag or digest: {@code ghcr.io:443/nixpool/builder:dev@sha256:..} is builder. */
    static String repositoryName(String image) {
        String name = image;
        int digest = name.indexOf('@');
        if (digest >= 0) {
            name = name.substring(0, digest);
        }
        int slash = name.lastIndexOf('/');
        String last = name.substring(slash + 1);
        int colon = last.indexOf(':');
        return colon >= 0 ? last.substring(0, colon) : last;
    }
}

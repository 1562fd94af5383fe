package dev.nixpool.logs;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Optional;
import java.util.OptionalInt;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.jboss.logging.Logger;

/**
 * {@code GET /api/v1/namespaces/{namespace}/nixbuilds/{name}/log[?attempt=N][&offset=B]}: a build's log, as text, for
 * whoever may {@code get} the NixBuild ({@link LogAccess}). With {@code offset} it answers the bytes from there on (at
 * most {@value #CHUNK_BYTES} a request) and says whether more can come, which is how {@code nixpool logs -f} follows.
 */
@jakarta.ws.rs.Path("/api/v1/namespaces/{namespace}/nixbuilds/{name}/log")
public class LogResource {

    /** The header that carries the caller's token through the API server's service proxy (it strips Authorization). */
    public static final String PROXIED_AUTHORIZATION = "X-Nixpool-Authorization";
    public static final String ATTEMPT_HEADER = "X-Nixpool-Attempt";
    /** "true" once no more bytes will be written to the attempt's log. */
    public static final String COMPLETE_HEADER = "X-Nixpool-Log-Complete";
    static final int CHUNK_BYTES = 1024 * 1024;

    private static final Logger LOG = Logger.getLogger(LogResource.class);

    private final LogStore store;
    private final LogAccess access;

    public LogResource(LogStore store, LogAccess access) {
        this.store = store;
        this.access = access;
    }

    @GET
    @Produces(MediaType.TEXT_PLAIN + ";charset=UTF-8")
    public Response log(@PathParam("namespace") String namespace, @PathParam("name") String name,
            @QueryParam("attempt") Integer attempt, @QueryParam("offset") Long offset,
            @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
            @HeaderParam(PROXIED_AUTHORIZATION) String proxiedAuthorization) {
        LogAccess.Decision decision;
        try {
            decision = access.decide(Optional.ofNullable(proxiedAuthorization).or(() -> Optional.ofNullable(
                    authorization)), namespace, name);
        } catch (AccessReviews.Unavailable e) {
            LOG.warnf("cannot check a caller of the log of NixBuild %s/%s: %s", namespace, name, e.getMessage());
            return text(Response.Status.SERVICE_UNAVAILABLE, "the operator cannot check who is asking right now ("
                    + e.getMessage() + "); try again\n");
        }
        if (decision instanceof LogAccess.Decision.Unauthenticated refused) {
            return Response.status(Response.Status.UNAUTHORIZED).header(HttpHeaders.WWW_AUTHENTICATE, "Bearer")
                    .type(MediaType.TEXT_PLAIN).entity("Unauthorized: " + refused.message() + "\n").build();
        }
        if (decision instanceof LogAccess.Decision.Forbidden refused) {
            return text(Response.Status.FORBIDDEN, "Forbidden: " + refused.message() + "\n");
        }
        if (attempt != null && attempt < 1) {
            return text(Response.Status.BAD_REQUEST, "attempt must be 1 or more, got " + attempt + "\n");
        }
        if (offset != null && offset < 0) {
            return text(Response.Status.BAD_REQUEST, "offset must be 0 or more, got " + offset + "\n");
        }
        OptionalInt latest = store.latestAttempt(namespace, name);
        Optional<Instant> evicted = store.evictedAt(namespace, name);
        if (evicted.isPresent() && (latest.isEmpty() || attempt != null && attempt < latest.getAsInt()
                && store.file(namespace, name, attempt).isEmpty())) {
            return text(Response.Status.GONE, "the log of NixBuild " + namespace + "/" + name + " was evicted at "
                    + evicted.get() + " to keep the operator's log store under nixpool.logs.max-total-bytes ("
                    + store.maxTotalBytes() + " bytes); its status.logTail still holds the last lines\n");
        }
        if (latest.isEmpty()) {
            return text(Response.Status.NOT_FOUND, "no build log for NixBuild " + namespace + "/" + name
                    + ": it is unknown, was deleted, or has not reached its builder yet\n");
        }
        int chosen = attempt != null ? attempt : latest.getAsInt();
        Optional<java.nio.file.Path> file = store.file(namespace, name, chosen);
        if (file.isEmpty()) {
            return text(Response.Status.NOT_FOUND, "NixBuild " + namespace + "/" + name + " has no log for attempt "
                    + chosen + "; the latest attempt with a log is " + latest.getAsInt() + "\n");
        }
        boolean complete = chosen < latest.getAsInt() || !store.writing(namespace, name);
        Response.ResponseBuilder ok = offset == null
                ? Response.ok(file.get().toFile())
                : Response.ok(chunk(file.get(), offset));
        return ok.header(ATTEMPT_HEADER, chosen).header(COMPLETE_HEADER, complete).build();
    }

    /** At most {@link #CHUNK_BYTES} from {@code offset}; nothing when the log is not that long yet. */
    private static byte[] chunk(java.nio.file.Path file, long offset) {
        try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
            long length = in.length();
            if (offset >= length) {
                return new byte[0];
            }
            byte[] bytes = new byte[(int) Math.min(CHUNK_BYTES, length - offset)];
            in.seek(offset);
            in.readFully(bytes);
            return bytes;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the log " + file, e);
        }
    }

    private static Response text(Response.Status status, String message) {
        return Response.status(status).type(MediaType.TEXT_PLAIN).entity(message).build();
    }
}

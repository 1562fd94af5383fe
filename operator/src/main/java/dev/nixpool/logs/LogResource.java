package dev.nixpool.logs;

import java.time.Instant;
import java.util.Optional;
import java.util.OptionalInt;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/** {@code GET /api/v1/namespaces/{namespace}/nixbuilds/{name}/log[?attempt=N]}: a build's complete log, as text. */
@jakarta.ws.rs.Path("/api/v1/namespaces/{namespace}/nixbuilds/{name}/log")
public class LogResource {

    private final LogStore store;

    public LogResource(LogStore store) {
        this.store = store;
    }

    @GET
    @Produces(MediaType.TEXT_PLAIN + ";charset=UTF-8")
    public Response log(@PathParam("namespace") String namespace, @PathParam("name") String name,
            @QueryParam("attempt") Integer attempt) {
        if (attempt != null && attempt < 1) {
            return Response.status(Response.Status.BAD_REQUEST).type(MediaType.TEXT_PLAIN)
                    .entity("attempt must be 1 or more, got " + attempt + "\n").build();
        }
        OptionalInt latest = store.latestAttempt(namespace, name);
        Optional<Instant> evicted = store.evictedAt(namespace, name);
        if (evicted.isPresent() && (latest.isEmpty() || attempt != null && attempt < latest.getAsInt()
                && store.file(namespace, name, attempt).isEmpty())) {
            return gone("the log of NixBuild " + namespace + "/" + name + " was evicted at " + evicted.get()
                    + " to keep the operator's log store under nixpool.logs.max-total-bytes (" + store.maxTotalBytes()
                    + " bytes); its status.logTail still holds the last lines\n");
        }
        if (latest.isEmpty()) {
            return notFound("no build log for NixBuild " + namespace + "/" + name
                    + ": it is unknown, was deleted, or has not reached its builder yet\n");
        }
        int chosen = attempt != null ? attempt : latest.getAsInt();
        Optional<java.nio.file.Path> file = store.file(namespace, name, chosen);
        if (file.isEmpty()) {
            return notFound("NixBuild " + namespace + "/" + name + " has no log for attempt " + chosen
                    + "; the latest attempt with a log is " + latest.getAsInt() + "\n");
        }
        return Response.ok(file.get().toFile()).header("X-Nixpool-Attempt", chosen).build();
    }

    private static Response gone(String message) {
        return Response.status(Response.Status.GONE).type(MediaType.TEXT_PLAIN).entity(message).build();
    }

    private static Response notFound(String message) {
        return Response.status(Response.Status.NOT_FOUND).type(MediaType.TEXT_PLAIN).entity(message).build();
    }
}

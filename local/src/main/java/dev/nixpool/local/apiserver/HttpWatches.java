package dev.nixpool.local.apiserver;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.function.Consumer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;

/**
 * Watches as kubectl speaks them: one long chunked HTTP response carrying a JSON watch event per line
 * ({@code {"type":"MODIFIED","object":{...}}}), objects rendered as Tables when kubectl asked for them.
 * The store keeps no history: a watch from resourceVersion R replays the objects changed after R as MODIFIED (or all
 * objects as ADDED for R unset or 0); deletions before the watch started are not replayed.
 */
final class HttpWatches {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** The API server's default watch length is 30 to 60 minutes; without timeoutSeconds take the lower bound. */
    private static final long DEFAULT_TIMEOUT_SECONDS = 1800;

    private final Vertx vertx;
    private final ObservableCrudStore store;
    private final ApiRequestRouter router;
    private final TableRenderer tables;

    HttpWatches(Vertx vertx, ObservableCrudStore store, ApiRequestRouter router, TableRenderer tables) {
        this.vertx = vertx;
        this.store = store;
        this.router = router;
        this.tables = tables;
    }

    /** Starts streaming; must be called on the request's event-loop context. */
    void serve(ResourcePath path, boolean table, HttpServerResponse response) {
        Selector labels;
        Selector fields;
        long timeoutMillis;
        try {
            labels = Selector.forQuery(path.query(), "labelSelector", false);
            fields = Selector.forQuery(path.query(), "fieldSelector", true);
            timeoutMillis = timeoutMillis(path);
            resourceVersion(path);
        } catch (IllegalArgumentException e) {
            var error = ApiRequestRouter.error(400, e.getMessage(), path);
            response.setStatusCode(400).putHeader("Content-Type", "application/json").end(error.getBody().readUtf8());
            return;
        }
        Context context = vertx.getOrCreateContext();
        Stream stream = new Stream(path, table, labels, fields, response, context);
        response.setStatusCode(200).setChunked(true).putHeader("Content-Type", "application/json");
        response.write(Buffer.buffer());
        store.addListener(stream);
        long timer = vertx.setTimer(timeoutMillis, t -> stream.finish());
        response.closeHandler(v -> {
            store.removeListener(stream);
            vertx.cancelTimer(timer);
        });
        response.endHandler(v -> {
            store.removeListener(stream);
            vertx.cancelTimer(timer);
        });
        try {
            stream.replay(router.listing(path));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static long timeoutMillis(ResourcePath path) {
        String value = path.param("timeoutSeconds");
        return Math.max(1, value == null || value.isEmpty() ? DEFAULT_TIMEOUT_SECONDS : number("timeoutSeconds", value))
                * 1000;
    }

    /** The resourceVersion to watch from; 0 (all objects, as ADDED) when unset. */
    private static long resourceVersion(ResourcePath path) {
        String value = path.param("resourceVersion");
        return value == null || value.isEmpty() ? 0 : number("resourceVersion", value);
    }

    private static long number(String param, String value) {
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(param + " must be a whole number, got '" + value + "'", e);
        }
    }

    private final class Stream implements Consumer<StoreChange> {
        private final ResourcePath path;
        private final boolean table;
        private final Selector labels;
        private final Selector fields;
        private final HttpServerResponse response;
        private final Context context;
        private final List<PrinterColumn> columns;
        private boolean sentColumns;
        private boolean finished;

        Stream(ResourcePath path, boolean table, Selector labels, Selector fields, HttpServerResponse response,
                Context context) {
            this.path = path;
            this.table = table;
            this.labels = labels;
            this.fields = fields;
            this.response = response;
            this.context = context;
            this.columns = router.columns(path);
        }

        void replay(ApiRequestRouter.Listing listing) {
            long since = resourceVersion(path);
            boolean all = since == 0;
            for (JsonNode item : listing.items()) {
                if (!selects(item)) {
                    continue;
                }
                if (all) {
                    send("ADDED", item);
                } else if (item.path("metadata").path("resourceVersion").asLong(0) > since) {
                    send("MODIFIED", item);
                }
            }
        }

        @Override
        public void accept(StoreChange change) {
            ResourcePath changed = ResourcePath.parse(change.path());
            if (changed == null || !changed.group().equals(path.group()) || !changed.plural().equals(path.plural())) {
                return;
            }
            JsonNode before = parse(change.before());
            JsonNode after = parse(change.after());
            boolean wasIn = selects(before);
            boolean isIn = selects(after);
            if (wasIn && isIn) {
                send("MODIFIED", after);
            } else if (wasIn) {
                send("DELETED", before);
            } else if (isIn) {
                send("ADDED", after);
            }
        }

        private boolean selects(JsonNode object) {
            if (object == null) {
                return false;
            }
            JsonNode metadata = object.path("metadata");
            return (path.namespace() == null || path.namespace().equals(metadata.path("namespace").asText()))
                    && (path.name() == null || path.name().equals(metadata.path("name").asText()))
                    && labels.matches(object) && fields.matches(object);
        }

        private void send(String type, JsonNode object) {
            ObjectNode event = JSON.createObjectNode();
            event.put("type", type);
            synchronized (this) {
                if (table) {
                    event.set("object", tables.render(columns, List.of(object),
                            object.path("metadata").path("resourceVersion").asText(null),
                            TableRenderer.IncludeObject.fromQuery(path.param("includeObject")), !sentColumns));
                    sentColumns = true;
                } else {
                    event.set("object", object);
                }
            }
            Buffer line = Buffer.buffer(event.toString() + "\n");
            context.runOnContext(v -> {
                if (!finished) {
                    response.write(line);
                }
            });
        }

        void finish() {
            context.runOnContext(v -> {
                if (!finished) {
                    finished = true;
                    store.removeListener(this);
                    response.end();
                }
            });
        }
    }

    private static JsonNode parse(String json) {
        if (json == null) {
            return null;
        }
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException("the store holds an object that is not JSON", e);
        }
    }
}

package dev.nixpool.local.apiserver;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;

/**
 * Watches, as kubectl speaks them (one long chunked HTTP response carrying a JSON watch event per line,
 * {@code {"type":"MODIFIED","object":{...}}}, objects rendered as Tables when kubectl asked for them) and as the Fabric8
 * client does (one WebSocket text message per event). The store keeps no history of changes: a watch from
 * resourceVersion R replays the objects changed after R as MODIFIED (or all objects as ADDED for R unset or 0). It
 * does keep the last {@link #TOMBSTONES} deletions, each with a resourceVersion of its own, and replays those after R
 * as DELETED, as a real API server's watch cache does: {@code kubectl delete --wait} lists the object and then watches
 * from the list's resourceVersion, and a deletion between the two (an operator removing its finalizer at once) was
 * otherwise never told, so kubectl waited out its timeout.
 * <p>
 * One listener on the store serves every watch: a change is parsed once, and its event text is the stored JSON
 * wrapped once per event type, shared by all watchers it concerns. The Fabric8 mock's own WebSocket watches parsed
 * each event into an object, printed it again and handed it to a thread of its own once per watcher: with the
 * operator's informers and a client's watches, every write of a NixBuild cost that several times on the API server's
 * one event-loop thread.
 */
final class HttpWatches implements Consumer<StoreChange> {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** The API server's default watch length is 30 to 60 minutes; without timeoutSeconds take the lower bound. */
    private static final long DEFAULT_TIMEOUT_SECONDS = 1800;

    /** Deletions kept for watches that start from a resourceVersion before them. */
    static final int TOMBSTONES = 1024;

    private final Vertx vertx;
    private final ObservableCrudStore store;
    private final ApiRequestRouter router;
    private final TableRenderer tables;
    private final List<Stream> streams = new CopyOnWriteArrayList<>();
    /** Oldest first; written under the store's write lock, read by starting watches. */
    private final Deque<Tombstone> tombstones = new ArrayDeque<>();

    HttpWatches(Vertx vertx, ObservableCrudStore store, ApiRequestRouter router, TableRenderer tables) {
        this.vertx = vertx;
        this.store = store;
        this.router = router;
        this.tables = tables;
        store.addListener(this);
    }

    /** A deleted object's last state, and the resourceVersion its deletion took. */
    private record Tombstone(long resourceVersion, String group, String plural, JsonNode object) {
    }

    /** Watches open now (tests). */
    int open() {
        return streams.size();
    }

    /** Starts streaming over chunked HTTP; must be called on the request's event-loop context. */
    void serve(ResourcePath path, boolean table, HttpServerResponse response) {
        Selectors selectors = selectors(path, response);
        if (selectors == null) {
            return;
        }
        response.setStatusCode(200).setChunked(true).putHeader("Content-Type", "application/json");
        response.write(Buffer.buffer());
        Stream stream = new Stream(path, table, selectors, new Sink() {
            @Override
            public void send(String event) {
                response.write(Buffer.buffer(event + "\n"));
            }

            @Override
            public void end() {
                response.end();
            }
        }, vertx.getOrCreateContext());
        start(stream, handler -> {
            response.closeHandler(handler);
            response.endHandler(handler);
        });
    }

    /** Starts streaming over a WebSocket, one event per text message; must be called on the request's context. */
    void serveWebSocket(ResourcePath path, HttpServerRequest request) {
        Selectors selectors = selectors(path, request.response());
        if (selectors == null) {
            return;
        }
        Context context = vertx.getOrCreateContext();
        request.toWebSocket().onFailure(e -> request.response().setStatusCode(500).end()).onSuccess(socket -> {
            Stream stream = new Stream(path, false, selectors, new Sink() {
                @Override
                public void send(String event) {
                    socket.writeTextMessage(event);
                }

                @Override
                public void end() {
                    socket.close();
                }
            }, context);
            start(stream, socket::closeHandler);
        });
    }

    private void start(Stream stream, Consumer<Handler<Void>> onClosed) {
        streams.add(stream);
        long timer = vertx.setTimer(stream.timeoutMillis, t -> stream.finish());
        onClosed.accept(v -> {
            streams.remove(stream);
            vertx.cancelTimer(timer);
        });
        try {
            stream.replay(router.listing(stream.path));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The watch's selectors, or null after answering 400 for a bad query. */
    private static Selectors selectors(ResourcePath path, HttpServerResponse response) {
        try {
            Selectors selectors = new Selectors(Selector.forQuery(path.query(), "labelSelector", false),
                    Selector.forQuery(path.query(), "fieldSelector", true), timeoutMillis(path));
            resourceVersion(path);
            return selectors;
        } catch (IllegalArgumentException e) {
            var error = ApiRequestRouter.error(400, e.getMessage(), path);
            response.setStatusCode(400).putHeader("Content-Type", "application/json").end(error.getBody().readUtf8());
            return null;
        }
    }

    private record Selectors(Selector labels, Selector fields, long timeoutMillis) {
    }

    /** Called by the store after every write, under its write lock: hands the change to the watches it concerns. */
    @Override
    public void accept(StoreChange change) {
        ResourcePath changed = ResourcePath.parse(change.path());
        if (changed == null) {
            return;
        }
        Change parsed = null;
        if (change.after() == null && change.before() != null) {
            parsed = new Change(change);
            synchronized (tombstones) {
                if (tombstones.size() == TOMBSTONES) {
                    tombstones.removeFirst();
                }
                tombstones.addLast(new Tombstone(store.requestResourceVersion(), changed.group(), changed.plural(),
                        parsed.before()));
            }
        }
        for (Stream stream : streams) {
            if (stream.path.group().equals(changed.group()) && stream.path.plural().equals(changed.plural())) {
                if (parsed == null) {
                    parsed = new Change(change);
                }
                stream.accept(parsed);
            }
        }
    }

    /** One write, parsed at most once and its event texts built at most once, for all the watches it concerns. */
    static final class Change {
        private final StoreChange change;
        private JsonNode before;
        private JsonNode after;
        private final Map<String, String> events = new HashMap<>(2);

        Change(StoreChange change) {
            this.change = change;
        }

        /** The object before the write: the writer's tree when it had one, else parsed here once. */
        JsonNode before() {
            if (before == null && change.before() != null) {
                before = change.parsedBefore() != null ? change.parsedBefore() : parse(change.before());
            }
            return before;
        }

        JsonNode after() {
            if (after == null && change.after() != null) {
                after = change.parsedAfter() != null ? change.parsedAfter() : parse(change.after());
            }
            return after;
        }

        /** The event's text: the stored JSON as it is (compact, one line), wrapped. */
        String event(String type) {
            return events.computeIfAbsent(type, t -> eventText(t, "DELETED".equals(t)
                    ? change.before()
                    : change.after()));
        }
    }

    static String eventText(String type, String objectJson) {
        return "{\"type\":\"" + type + "\",\"object\":" + objectJson + "}";
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

    /** Where a watch's events go: a chunked HTTP response (a line each) or a WebSocket (a text message each). */
    private interface Sink {
        void send(String event);

        void end();
    }

    private final class Stream {
        private final ResourcePath path;
        private final boolean table;
        private final Selector labels;
        private final Selector fields;
        private final long timeoutMillis;
        private final Sink sink;
        private final Context context;
        private final List<PrinterColumn> columns;
        private boolean sentColumns;
        private boolean finished;

        Stream(ResourcePath path, boolean table, Selectors selectors, Sink sink, Context context) {
            this.path = path;
            this.table = table;
            this.labels = selectors.labels();
            this.fields = selectors.fields();
            this.timeoutMillis = selectors.timeoutMillis();
            this.sink = sink;
            this.context = context;
            this.columns = router.columns(path);
        }

        void replay(ApiRequestRouter.Listing listing) {
            long since = resourceVersion(path);
            boolean all = since == 0;
            if (!all) {
                List<Tombstone> deleted;
                synchronized (tombstones) {
                    deleted = tombstones.stream().filter(t -> t.resourceVersion() > since
                            && t.group().equals(path.group()) && t.plural().equals(path.plural())).toList();
                }
                deleted.stream().filter(t -> selects(t.object())).forEach(t -> send("DELETED", t.object(), null));
            }
            for (JsonNode item : listing.items()) {
                if (!selects(item)) {
                    continue;
                }
                if (all) {
                    send("ADDED", item, null);
                } else if (item.path("metadata").path("resourceVersion").asLong(0) > since) {
                    send("MODIFIED", item, null);
                }
            }
        }

        void accept(Change change) {
            boolean wasIn = selects(change.before());
            boolean isIn = selects(change.after());
            if (wasIn && isIn) {
                send("MODIFIED", change.after(), change);
            } else if (wasIn) {
                send("DELETED", change.before(), change);
            } else if (isIn) {
                send("ADDED", change.after(), change);
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

        /** @param change the write it comes from, whose shared text is sent; null for a replayed object */
        private void send(String type, JsonNode object, Change change) {
            String event;
            if (table) {
                ObjectNode wrapped = JSON.createObjectNode();
                wrapped.put("type", type);
                synchronized (this) {
                    wrapped.set("object", tables.render(columns, List.of(object),
                            object.path("metadata").path("resourceVersion").asText(null),
                            TableRenderer.IncludeObject.fromQuery(path.param("includeObject")), !sentColumns));
                    sentColumns = true;
                }
                event = wrapped.toString();
            } else {
                event = change != null ? change.event(type) : eventText(type, object.toString());
            }
            context.runOnContext(v -> {
                if (!finished) {
                    sink.send(event);
                }
            });
        }

        void finish() {
            context.runOnContext(v -> {
                if (!finished) {
                    finished = true;
                    streams.remove(this);
                    sink.end();
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

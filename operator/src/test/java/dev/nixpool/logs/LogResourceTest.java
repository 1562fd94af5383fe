package dev.nixpool.logs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;

import jakarta.ws.rs.core.Response;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The log endpoint's answers, with real log files and the access reviews from tables. */
class LogResourceTest {

    private static final String ALICE = "alice-token";
    private static final String MALLORY = "mallory-token";

    @TempDir
    Path dir;

    private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-12-01T12:00:00Z"));
    private final FakeAccessReviews reviews = new FakeAccessReviews().user(ALICE, "alice").user(MALLORY, "mallory")
            .grant("alice", "team-a", "hello");
    private LogStore store;
    private LogResource resource;

    @BeforeEach
    void setUp() {
        Clock clock = new Clock() {
            @Override
            public java.time.ZoneId getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return now.get();
            }
        };
        store = new LogStore(dir, 1_000_000, 1_000_000, clock);
        resource = new LogResource(store, new LogAccess(reviews, 2, Duration.ofSeconds(10), clock));
        try (BuildLog log = store.open("team-a", "hello", "uid", 1)) {
            log.line("hello from the builder");
        }
    }

    private Response get(String authorization) {
        return resource.log("team-a", "hello", null, null, authorization, null);
    }

    private static String body(Response response) throws java.io.IOException {
        Object entity = response.getEntity();
        if (entity instanceof File file) {
            return Files.readString(file.toPath());
        }
        if (entity instanceof byte[] bytes) {
            return new String(bytes, StandardCharsets.UTF_8);
        }
        return (String) entity;
    }

    @Test
    void whoeverMayGetTheBuildReadsItsLog() throws Exception {
        Response response = get("Bearer " + ALICE);
        assertThat(response.getStatus()).isEqualTo(200);
        assertThat(body(response)).isEqualTo("hello from the builder\n");
        assertThat(response.getHeaderString(LogResource.ATTEMPT_HEADER)).isEqualTo("1");
        assertThat(response.getHeaderString(LogResource.COMPLETE_HEADER)).isEqualTo("true");
    }

    @Test
    void theTokenMayComeThroughTheServiceProxyInItsOwnHeader() throws Exception {
        Response response = resource.log("team-a", "hello", null, null, null, "bearer " + ALICE);
        assertThat(response.getStatus()).isEqualTo(200);
    }

    @Test
    void noTokenOrAnUnknownOneIsUnauthorized() throws Exception {
        Response none = get(null);
        assertThat(none.getStatus()).isEqualTo(401);
        assertThat(none.getHeaderString("WWW-Authenticate")).isEqualTo("Bearer");
        assertThat(body(none)).startsWith("Unauthorized: build logs need the caller's Kubernetes bearer token");
        assertThat(get("Basic YWxpY2U6c2VjcmV0").getStatus()).isEqualTo(401);
        Response unknown = get("Bearer not-a-token");
        assertThat(unknown.getStatus()).isEqualTo(401);
        assertThat(body(unknown)).contains("the API server did not accept the bearer token")
                .doesNotContain("not-a-token");
    }

    @Test
    void aUserWhoMayNotGetTheBuildIsForbiddenEvenToKnowWhetherItHasALog() throws Exception {
        Response response = get("Bearer " + MALLORY);
        assertThat(response.getStatus()).isEqualTo(403);
        assertThat(body(response)).isEqualTo("Forbidden: User \"mallory\" cannot get resource \"nixbuilds\" in API "
                + "group \"nixpool.dev\" in the namespace \"team-a\" (NixBuild hello), so it may not read its log\n");
        assertThat(resource.log("team-a", "no-such-build", null, null, "Bearer " + MALLORY, null).getStatus())
                .isEqualTo(403);
    }

    @Test
    void answersAreRememberedBrieflyYesAndNo() {
        get("Bearer " + ALICE);
        get("Bearer " + ALICE);
        get("Bearer " + MALLORY);
        get("Bearer " + MALLORY);
        assertThat(reviews.tokenReviews).isEqualTo(2);
        assertThat(reviews.accessReviews).isEqualTo(2);
        reviews.revoke("alice", "team-a", "hello");
        assertThat(get("Bearer " + ALICE).getStatus()).isEqualTo(200);
        now.set(now.get().plusSeconds(10));
        assertThat(get("Bearer " + ALICE).getStatus()).isEqualTo(403);
        assertThat(reviews.tokenReviews).isEqualTo(3);
    }

    @Test
    void theCacheIsBoundedTheOldestAnswerGoesFirst() {
        reviews.user("t3", "carol");
        get("Bearer " + ALICE);
        get("Bearer " + MALLORY);
        get("Bearer t3");
        assertThat(reviews.tokenReviews).isEqualTo(3);
        get("Bearer t3");
        get("Bearer " + MALLORY);
        assertThat(reviews.tokenReviews).isEqualTo(3);
        get("Bearer " + ALICE);
        assertThat(reviews.tokenReviews).isEqualTo(4);
    }

    @Test
    void anApiServerThatCannotBeAskedGivesServiceUnavailableNotALog() throws Exception {
        reviews.down = true;
        Response response = get("Bearer " + ALICE);
        assertThat(response.getStatus()).isEqualTo(503);
        assertThat(body(response)).contains("the operator cannot check who is asking right now");
    }

    @Test
    void anEvictedLogIsGoneAndSaysWhy() throws Exception {
        LogStore tiny = new LogStore(dir.resolve("tiny"), 1_000_000, 50, Clock.fixed(now.get(), ZoneOffset.UTC));
        try (BuildLog log = tiny.open("team-a", "hello", "uid", 1)) {
            log.line("the first build's log, soon evicted");
        }
        try (BuildLog log = tiny.open("team-a", "other", "uid-2", 1)) {
            log.line("a newer build's log");
        }
        LogResource small = new LogResource(tiny, new LogAccess(reviews, 10, Duration.ofSeconds(10),
                Clock.systemUTC()));
        Response response = small.log("team-a", "hello", null, null, "Bearer " + ALICE, null);
        assertThat(response.getStatus()).isEqualTo(410);
        assertThat(body(response)).isEqualTo("the log of NixBuild team-a/hello was evicted at 2026-12-01T12:00:00Z "
                + "to keep the operator's log store under nixpool.logs.max-total-bytes (50 bytes); its "
                + "status.logTail still holds the last lines\n");
    }

    @Test
    void anOffsetAnswersTheRestAndWhetherMoreCanCome() throws Exception {
        try (BuildLog log = store.open("team-a", "hello", "uid", 2)) {
            log.line("0123456789");
            Response running = resource.log("team-a", "hello", null, 4L, "Bearer " + ALICE, null);
            assertThat(body(running)).isEqualTo("456789\n");
            assertThat(running.getHeaderString(LogResource.ATTEMPT_HEADER)).isEqualTo("2");
            assertThat(running.getHeaderString(LogResource.COMPLETE_HEADER)).isEqualTo("false");
            Response past = resource.log("team-a", "hello", null, 11L, "Bearer " + ALICE, null);
            assertThat(body(past)).isEmpty();
            Response earlier = resource.log("team-a", "hello", 1, 0L, "Bearer " + ALICE, null);
            assertThat(earlier.getHeaderString(LogResource.COMPLETE_HEADER)).isEqualTo("true");
        }
        Response ended = resource.log("team-a", "hello", null, 11L, "Bearer " + ALICE, null);
        assertThat(ended.getHeaderString(LogResource.COMPLETE_HEADER)).isEqualTo("true");
        assertThat(resource.log("team-a", "hello", null, -1L, "Bearer " + ALICE, null).getStatus())
                .isEqualTo(400);
    }
}

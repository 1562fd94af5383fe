package dev.nixpool.ssh;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

class WatchdogTest {

    @Test
    void aGuardRunsItsActionAfterTheLimit() throws Exception {
        try (Watchdog w = new Watchdog("test-watchdog")) {
            CountDownLatch ran = new CountDownLatch(1);
            Watchdog.Guard g = w.arm(Duration.ofMillis(50), ran::countDown);
            assertThat(ran.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(g.fired()).isTrue();
            assertThat(g.limit()).isEqualTo(Duration.ofMillis(50));
        }
    }

    @Test
    void aClosedGuardNeverFires() throws Exception {
        try (Watchdog w = new Watchdog("test-watchdog")) {
            AtomicInteger runs = new AtomicInteger();
            Watchdog.Guard g = w.arm(Duration.ofMillis(300), runs::incrementAndGet);
            // on a loaded machine this thread may get here only after the deadline: then the guard fired before it was
            // disarmed, which is allowed; what must hold is that a disarmed guard never fires
            boolean disarmed = g.disarm();
            // one timer thread runs guards in the order of their deadlines: once a later one has run, the closed
            // guard's deadline has passed too
            CountDownLatch later = new CountDownLatch(1);
            w.arm(Duration.ofMillis(350), later::countDown);
            assertThat(later.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(g.fired()).isEqualTo(!disarmed);
            assertThat(runs).hasValue(disarmed ? 0 : 1);
        }
    }

    @Test
    void stderrTailKeepsTheLastLinesAndPassesAllOn() {
        AtomicInteger passed = new AtomicInteger();
        StderrTail tail = new StderrTail(l -> passed.incrementAndGet());
        for (int i = 0; i < StderrTail.KEPT_LINES + 5; i++) {
            tail.accept("line " + i);
        }
        List<String> kept = tail.lines();
        assertThat(kept).hasSize(StderrTail.KEPT_LINES).startsWith("line 5")
                .endsWith("line " + (StderrTail.KEPT_LINES + 4));
        assertThat(passed).hasValue(StderrTail.KEPT_LINES + 5);
        tail.clear();
        assertThat(tail.lines()).isEmpty();
    }
}

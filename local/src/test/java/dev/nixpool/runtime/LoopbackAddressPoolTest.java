package dev.nixpool.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

import dev.nixpool.runtime.BuilderRuntimeConfig.LoopbackRange;

class LoopbackAddressPoolTest {

    private final LoopbackAddressPool pool = new LoopbackAddressPool(new LoopbackRange(10, 12));

    @Test
    void handsOutTheLowestFreeAddressAndReusesReleasedOnes() {
        assertThat(pool.allocate(a -> true)).contains("127.0.0.10");
        assertThat(pool.allocate(a -> true)).contains("127.0.0.11");
        pool.release("127.0.0.10");
        assertThat(pool.allocate(a -> true)).contains("127.0.0.10");
        assertThat(pool.inUse()).isEqualTo(2);
    }

    @Test
    void skipsAddressesSomeoneElseServesAndRunsOut() {
        assertThat(pool.allocate(a -> !a.equals("127.0.0.10"))).contains("127.0.0.11");
        assertThat(pool.allocate(a -> true)).contains("127.0.0.10");
        assertThat(pool.allocate(a -> true)).contains("127.0.0.12");
        assertThat(pool.allocate(a -> true)).isEmpty();
    }

    @Test
    void rejectsReleasingWhatItDidNotHandOut() {
        assertThatThrownBy(() -> pool.release("127.0.0.11")).isInstanceOf(IllegalStateException.class)
                .hasMessage("127.0.0.11 was not allocated from 127.0.0.10-127.0.0.12");
        assertThatThrownBy(() -> pool.release("127.0.0.13")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("expected an address from 127.0.0.10-127.0.0.12, got 127.0.0.13");
        assertThatThrownBy(() -> pool.release("10.0.0.1")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("expected an address 127.0.0.N from 127.0.0.10-127.0.0.12, got 10.0.0.1");
    }

    @Test
    void rangeMustBeInsideTheLoopbackHostParts() {
        assertThatThrownBy(() -> new LoopbackRange(0, 5)).hasMessage(
                "loopback range must satisfy 1 <= first <= last <= 254, got 0..5");
        assertThatThrownBy(() -> new LoopbackRange(9, 8)).hasMessage(
                "loopback range must satisfy 1 <= first <= last <= 254, got 9..8");
        assertThatThrownBy(() -> new LoopbackRange(2, 255)).hasMessage(
                "loopback range must satisfy 1 <= first <= last <= 254, got 2..255");
    }
}

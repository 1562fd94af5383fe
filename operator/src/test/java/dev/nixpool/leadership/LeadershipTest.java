package dev.nixpool.leadership;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

import org.eclipse.microprofile.health.HealthCheckResponse;
import org.junit.jupiter.api.Test;

import dev.nixpool.TestConfig;
import dev.nixpool.config.BuilderDefaults;
import dev.nixpool.config.NixpoolConfig;
import dev.nixpool.lifecycle.CapacityLedger;

/** The replica's identity in the election and what its readiness check says about its role. */
class LeadershipTest {

    private static NixpoolConfig.LeaderElection config(Optional<String> identity) {
        return new NixpoolConfig.LeaderElection() {
            @Override
            public String leaseName() {
                return "nixpool-operator";
            }

            @Override
            public Optional<String> leaseNamespace() {
                return Optional.empty();
            }

            @Override
            public Optional<String> identity() {
                return identity;
            }

            @Override
            public Duration leaseDuration() {
                return Duration.ofSeconds(15);
            }

            @Override
            public Duration renewDeadline() {
                return Duration.ofSeconds(10);
            }

            @Override
            public Duration retryPeriod() {
                return Duration.ofSeconds(2);
            }
        };
    }

    @Test
    void aConfiguredIdentityWinsElseThePodNameElseARandomOne() {
        assertThat(LeaderElectionSettings.identity(config(Optional.of("operator-0-abcde"))))
                .isEqualTo("operator-0-abcde");
        String fallback = LeaderElectionSettings.identity(config(Optional.of(" ")));
        String hostname = System.getenv("HOSTNAME");
        if (hostname != null && !hostname.isBlank()) {
            assertThat(fallback).isEqualTo(hostname);
        } else {
            assertThat(fallback).matches("[0-9a-f-]{36}");
        }
    }

    /**
     * Taking the Lease tells the capacity ledger before JOSDK processes the first event: what a standby's caches show
     * was the former leader's doing (its orphaned key Secrets, its builders to adopt).
     */
    @Test
    void takingTheLeaseStartsTheLedgersOwnDecisions() {
        Instant processStart = Instant.parse("2026-01-01T00:00:00Z");
        NixpoolConfig config = TestConfig.nixpool(Map.of());
        CapacityLedger ledger = new CapacityLedger(BuilderDefaults.from(config), false, processStart, () -> "s1",
                config.scheduling());
        LeaderElectionSettings settings = new LeaderElectionSettings(TestConfig.nixpool(Map.of()), new Leadership(),
                ledger);
        Instant before = Instant.now();

        settings.getLeaderCallbacks().orElseThrow().onStartLeading();

        assertThat(ledger.started()).isAfterOrEqualTo(before);
    }

    @Test
    void aStandbyIsReadyAndSaysSoAndTheLeaderToo() {
        Leadership leadership = new Leadership();
        assertThat(leadership.call().getData().orElseThrow()).containsEntry("role", "no election");

        leadership.takePart("operator-1-xyzab");
        leadership.newLeader("operator-0-abcde");
        HealthCheckResponse standby = leadership.call();
        assertThat(standby.getStatus()).isEqualTo(HealthCheckResponse.Status.UP);
        assertThat(standby.getData().orElseThrow()).containsEntry("role", "standby")
                .containsEntry("identity", "operator-1-xyzab").containsEntry("leader", "operator-0-abcde");

        leadership.newLeader("operator-1-xyzab");
        leadership.startedLeading();
        assertThat(leadership.leading()).isTrue();
        assertThat(leadership.call().getData().orElseThrow()).containsEntry("role", "leader")
                .containsEntry("leader", "operator-1-xyzab");
    }
}

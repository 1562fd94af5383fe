package dev.nixpool.leadership;

import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.quarkus.arc.Unremovable;

import dev.nixpool.config.NixpoolConfig;
import dev.nixpool.lifecycle.CapacityLedger;

/**
 * Turns on JOSDK's leader election: the Quarkus operator SDK uses a {@link LeaderElectionConfiguration} bean when one
 * exists and the profile is one of {@code quarkus.operator-sdk.activate-leader-election-for-profiles} (default
 * {@code prod}: the packaged operator elects, {@code @QuarkusTest}s run alone without a Lease). Until this replica
 * holds the Lease JOSDK starts its informers but processes no event, so a standby reconciles and writes nothing. When
 * it loses the Lease the process exits (exit code 1): in-memory state such as the capacity ledger and the runs cannot
 * be trusted once another replica may lead, and the Deployment restarts the container as a fresh standby. On taking the
 * Lease the capacity ledger learns that what exists from before was another leader's decision. The exit is
 * {@link Leadership#stoppedLeading()}'s, not JOSDK's own (which hangs a SIGTERMed leader: see there).
 */
@Singleton
// the Quarkus operator SDK looks it up programmatically, only in the profiles that elect
@Unremovable
public class LeaderElectionSettings extends LeaderElectionConfiguration {

    @Inject
    public LeaderElectionSettings(NixpoolConfig config, Leadership leadership, CapacityLedger ledger) {
        super(config.leaderElection().leaseName(), config.leaderElection().leaseNamespace().orElse(null),
                config.leaderElection().leaseDuration(), config.leaderElection().renewDeadline(),
                config.leaderElection().retryPeriod(), identity(config.leaderElection()),
                new LeaderCallbacks(() -> {
                    ledger.startedLeading(Instant.now());
                    leadership.startedLeading();
                }, leadership::stoppedLeading, leadership::newLeader),
                false);
        leadership.takePart(getIdentity().orElseThrow());
    }

    /** The configured identity, else the pod name, else a random one: what JOSDK itself would pick, but known here. */
    static String identity(NixpoolConfig.LeaderElection config) {
        return config.identity().filter(id -> !id.isBlank())
                .or(() -> Optional.ofNullable(System.getenv("HOSTNAME")).filter(id -> !id.isBlank()))
                .orElseGet(() -> UUID.randomUUID().toString());
    }
}

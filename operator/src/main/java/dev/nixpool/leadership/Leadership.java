package dev.nixpool.leadership;

import java.util.concurrent.atomic.AtomicReference;

import jakarta.enterprise.inject.Default;
import jakarta.inject.Singleton;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;
import org.jboss.logging.Logger;

/**
 * Who leads, as this replica last heard from the election, reported with the readiness check. A standby is Ready on
 * purpose: its informers are synced and it takes over within a lease duration, and a Deployment's rolling update must
 * be able to count it as available. So the check is always up; its data says the role (leader, standby) and the
 * leader's identity, for {@code curl /q/health/ready} and for whoever wonders why a replica does nothing.
 */
@Singleton
@Readiness
// injected into LeaderElectionSettings: @Readiness alone would hide it from that unqualified injection
@Default
public class Leadership implements HealthCheck {

    private static final Logger LOG = Logger.getLogger(Leadership.class);

    private final AtomicReference<String> identity = new AtomicReference<>("");
    private final AtomicReference<String> leader = new AtomicReference<>("");
    private volatile boolean leading;

    /** The identity this replica takes part in the election with. */
    void takePart(String identity) {
        this.identity.set(identity);
        LOG.infof("leader election: this replica is %s; it reconciles only once it holds the Lease", identity);
    }

    void startedLeading() {
        leading = true;
        LOG.infof("leader election: %s leads and starts reconciling", identity.get());
    }

    /**
     * Leadership is lost, or given back because the operator stops: the process exits either way, as JOSDK's default
     * would, since in-memory state (the capacity ledger, the runs) must not be acted on once another replica may lead.
     * JOSDK would call System.exit on its own thread, which is the shutdown hook when the operator got SIGTERM: exit
     * then blocks forever, the shutdown hangs until the kubelet's SIGKILL and the Lease is never handed back. From a
     * thread of its own, exit starts the shutdown when none runs and is a harmless waiter when one does.
     */
    void stoppedLeading() {
        boolean wasLeading = leading;
        leading = false;
        if (wasLeading) {
            LOG.infof("leader election: %s no longer leads; the process exits (its Deployment restarts it as a"
                    + " standby)", identity.get());
        }
        Thread exit = new Thread(() -> System.exit(1), "nixpool-leadership-exit");
        exit.setDaemon(true);
        exit.start();
    }

    void newLeader(String identity) {
        leader.set(identity);
    }

    public boolean leading() {
        return leading;
    }

    /** A replica that takes part in an election and does not lead: it must not start builds of its own. */
    public boolean standby() {
        return !identity.get().isEmpty() && !leading;
    }

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("nixpool-leader-election").up()
                .withData("identity", identity.get())
                .withData("role", identity.get().isEmpty() ? "no election" : leading ? "leader" : "standby")
                .withData("leader", leader.get())
                .build();
    }
}

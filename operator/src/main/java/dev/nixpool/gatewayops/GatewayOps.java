package dev.nixpool.gatewayops;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.jboss.logging.Logger;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;

import dev.nixpool.api.v1alpha1.BuildMachine;
import dev.nixpool.config.NixpoolConfig;
import dev.nixpool.gateway.ClientIdentity;
import dev.nixpool.gateway.GatewayLimits;
import dev.nixpool.gateway.GatewayServer;
import dev.nixpool.gateway.SshBuilderDialer;
import dev.nixpool.leadership.Leadership;
import dev.nixpool.lifecycle.BuilderProvisioner;
import dev.nixpool.lifecycle.CapacityLedger;
import dev.nixpool.runner.AttachedRuns;
import dev.nixpool.ssh.ClientKeys;
import dev.nixpool.ssh.OpenSshKeyPair;
import dev.nixpool.ssh.SshTimeouts;
import dev.nixpool.ssh.SshTransportException;

/**
 * Wires the gateway into the operator when {@code nixpool.gateway.enabled}: its host key from a Secret, client keys
 * from labelled ConfigMaps (informer: a change applies to the next login), pools from BuildMachines, builds as
 * NixBuilds whose runs the client connections drive, and the TTL sweep of finished gateway builds.
 */
@ApplicationScoped
public class GatewayOps {

    private static final Logger LOG = Logger.getLogger(GatewayOps.class);

    private final KubernetesClient client;
    private final NixpoolConfig config;
    private final AttachedRuns attached;
    private final Leadership leadership;
    private final GatewayIdentity identity;
    private final CapacityLedger ledger;
    private final BuilderProvisioner provisioner;
    private volatile ClientGrants grants = ClientGrants.of(List.of());
    private SharedIndexInformer<ConfigMap> keyInformer;
    private SharedIndexInformer<BuildMachine> machineInformer;
    private GatewayServer server;
    private SshBuilderDialer dialer;
    private ScheduledExecutorService sweeper;

    public GatewayOps(KubernetesClient client, NixpoolConfig config, AttachedRuns attached, Leadership leadership,
            GatewayIdentity identity, CapacityLedger ledger, BuilderProvisioner provisioner) {
        this.client = client;
        this.ledger = ledger;
        this.provisioner = provisioner;
        this.identity = identity;
        this.config = config;
        this.attached = attached;
        this.leadership = leadership;
    }

    void start(@Observes StartupEvent event) {
        NixpoolConfig.Gateway g = config.gateway();
        if (!g.enabled()) {
            return;
        }
        String namespace = identity.namespace();
        OpenSshKeyPair hostKey = identity.hostKey();
        keyInformer = client.configMaps().inAnyNamespace().withLabel(ClientGrants.LABEL, "true")
                .inform(new Reindex<>(this::reindex), 0);
        machineInformer = client.resources(BuildMachine.class).inAnyNamespace().inform();
        reindex();
        NixpoolConfig.Session s = config.session();
        dialer = new SshBuilderDialer(new SshTimeouts(s.connectTimeout(), s.authTimeout(), s.channelOpenTimeout(),
                s.keepAliveInterval(), s.keepAliveMaxMissed()), s.handshakeTimeout());
        LikelyBuilders likely = new LikelyBuilders(client, ledger, provisioner, config.builder().sshUser(),
                config.builder().sshPort());
        KubernetesBroker broker = new KubernetesBroker(client, () -> grants, () -> machineInformer.getStore().list(),
                attached, leadership::standby, new TicketSettings(g.queuePoll()), likely::of);
        try {
            server = new GatewayServer(g.bindAddress(), g.port(), ClientKeys.load(hostKey.privateKey(),
                    "the gateway host key Secret " + namespace + "/" + g.hostKeySecret()),
                    key -> grants.first(key)
                            .map(grant -> new ClientIdentity(grant.keyName(), grant.fingerprint())),
                    broker, dialer, new GatewayLimits(Path.of(g.spoolDir()), g.maxSpoolBytes(),
                            g.maxTotalSpoolBytes(), g.maxSpoolPaths(), g.maxRequestBytes(), g.maxConnections(),
                            g.idleTimeout(), g.keepAliveInterval(), g.keepAliveMaxMissed()));
            server.start();
        } catch (SshTransportException e) {
            throw new IllegalStateException("the gateway host key in Secret " + namespace + "/" + g.hostKeySecret()
                    + " cannot be read: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException("the gateway cannot listen on " + g.bindAddress() + ":" + g.port(), e);
        }
        LOG.infof("gateway: host key from Secret %s/%s; clients authorised by ConfigMaps labelled %s=true",
                namespace, g.hostKeySecret(), ClientGrants.LABEL);
        FinishedBuildSweeper sweep = new FinishedBuildSweeper(client, g.ttlAfterFinished());
        sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "nixpool-gateway-ttl");
            t.setDaemon(true);
            return t;
        });
        long period = Math.max(1, Math.min(60, g.ttlAfterFinished().toSeconds() / 2));
        sweeper.scheduleWithFixedDelay(() -> {
            try {
                if (!leadership.standby()) {
                    sweep.sweep(Instant.now());
                }
            } catch (RuntimeException e) {
                LOG.debugf("gateway TTL sweep failed: %s", e.getMessage());
            }
        }, period, period, TimeUnit.SECONDS);
    }

    /** The port the gateway listens on (for tests with port 0), or -1 when it is off. */
    public int port() {
        return server != null ? server.port() : -1;
    }

    private void reindex() {
        ClientGrants fresh = ClientGrants.of(keyInformer != null ? keyInformer.getStore().list() : List.of());
        fresh.problems().forEach(p -> LOG.warnf("gateway: %s", p));
        grants = fresh;
        LOG.debugf("gateway: %d client key grants", fresh.size());
    }

    void stop(@Observes ShutdownEvent event) {
        try {
            if (server != null) {
                server.close();
            }
        } catch (IOException e) {
            LOG.debugf("gateway: closing: %s", e.getMessage());
        }
        if (dialer != null) {
            dialer.close();
        }
        if (sweeper != null) {
            sweeper.shutdownNow();
        }
        if (keyInformer != null) {
            keyInformer.close();
        }
        if (machineInformer != null) {
            machineInformer.close();
        }
    }

    /** Any change to the labelled ConfigMaps rebuilds the whole index: there are few, and it keeps them consistent. */
    private record Reindex<T>(Runnable reindex) implements ResourceEventHandler<T> {

        @Override
        public void onAdd(T obj) {
            reindex.run();
        }

        @Override
        public void onUpdate(T oldObj, T newObj) {
            reindex.run();
        }

        @Override
        public void onDelete(T obj, boolean deletedFinalStateUnknown) {
            reindex.run();
        }
    }
}

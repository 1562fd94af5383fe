package dev.nixpool.gatewayops;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

import dev.nixpool.api.v1alpha1.BuildMachine;
import dev.nixpool.api.v1alpha1.BuildOrigin;
import dev.nixpool.api.v1alpha1.NixBuild;
import dev.nixpool.api.v1alpha1.NixBuildSpec;
import dev.nixpool.gateway.BrokerException;
import dev.nixpool.gateway.BuildTicket;
import dev.nixpool.gateway.BuilderBroker;
import dev.nixpool.gateway.BuilderLease;
import dev.nixpool.gateway.ClientIdentity;
import dev.nixpool.gateway.GatewayBuild;
import dev.nixpool.gateway.PoolRoute;
import dev.nixpool.runner.AttachedRuns;

/**
 * The operator behind the gateway: pools are BuildMachines of the namespaces that authorise the client's key, and each
 * client build is a NixBuild in its pool's namespace (labelled with its origin and the key's name) that takes its place
 * in the global queue like any other. The client's connection is registered as the build's run driver before the
 * NixBuild exists, so the operator hands it the builder instead of running the build itself.
 */
public final class KubernetesBroker implements BuilderBroker {

    /** NixBuild names: DNS-1123 subdomains; keep the pool's name readable within them. */
    private static final int MAX_NAME = 63;

    private final KubernetesClient client;
    private final Supplier<ClientGrants> grants;
    private final Supplier<List<BuildMachine>> machines;
    private final AttachedRuns attached;
    private final Supplier<Boolean> standby;
    private final TicketSettings settings;
    private final LikelyBuilders.Guess likely;

    /** Without guessing builders: uploads are spooled, then replayed. */
    public KubernetesBroker(KubernetesClient client, Supplier<ClientGrants> grants,
            Supplier<List<BuildMachine>> machines, AttachedRuns attached, Supplier<Boolean> standby,
            TicketSettings settings) {
        this(client, grants, machines, attached, standby, settings, (namespace, pool) -> Optional.empty());
    }

    KubernetesBroker(KubernetesClient client, Supplier<ClientGrants> grants, Supplier<List<BuildMachine>> machines,
            AttachedRuns attached, Supplier<Boolean> standby, TicketSettings settings, LikelyBuilders.Guess likely) {
        this.likely = likely;
        this.client = client;
        this.grants = grants;
        this.machines = machines;
        this.attached = attached;
        this.standby = standby;
        this.settings = settings;
    }

    @Override
    public Optional<PoolRoute> route(ClientIdentity who, String user) throws BrokerException {
        List<PoolRoute> pools = pools(who);
        List<PoolRoute> bare = pools.stream().filter(p -> p.pool().equals(user)).toList();
        if (bare.size() > 1) {
            throw new BrokerException("pool '" + user + "' exists in several namespaces you may use ("
                    + String.join(", ", bare.stream().map(p -> p.namespace()).toList())
                    + "): name it as <namespace>.<pool>, e.g. " + bare.get(0).namespace() + "." + user);
        }
        if (bare.size() == 1) {
            return Optional.of(bare.get(0));
        }
        int dot = user.indexOf('.');
        if (dot <= 0) {
            return Optional.empty();
        }
        String namespace = user.substring(0, dot);
        String pool = user.substring(dot + 1);
        return pools.stream().filter(p -> p.namespace().equals(namespace) && p.pool().equals(pool)).findFirst();
    }

    @Override
    public List<PoolRoute> pools(ClientIdentity who) {
        List<ClientGrant> mine = grants.get().ofFingerprint(who.fingerprint());
        List<PoolRoute> pools = new ArrayList<>();
        for (BuildMachine m : machines.get()) {
            String namespace = m.getMetadata().getNamespace();
            String name = m.getMetadata().getName();
            if (m.getMetadata().getDeletionTimestamp() != null || m.getSpec() == null) {
                continue;
            }
            if (mine.stream().anyMatch(g -> g.namespace().equals(namespace) && g.allows(name))) {
                pools.add(new PoolRoute(namespace, name, orEmpty(m.getSpec().getSystems()),
                        orEmpty(m.getSpec().getSupportedFeatures()), orEmpty(m.getSpec().getMandatoryFeatures())));
            }
        }
        pools.sort(Comparator.comparing(PoolRoute::namespace).thenComparing(PoolRoute::pool));
        return pools;
    }

    /** Only a pool this client may use now, only on the leader (a standby's guesses would be stale). */
    @Override
    public Optional<BuilderLease> likelyBuilder(ClientIdentity who, PoolRoute pool) {
        if (standby.get() || pools(who).stream().noneMatch(p -> p.namespace().equals(pool.namespace())
                && p.pool().equals(pool.pool()))) {
            return Optional.empty();
        }
        return likely.of(pool.namespace(), pool.pool());
    }

    @Override
    public BuildTicket submit(ClientIdentity who, PoolRoute pool, GatewayBuild build) throws BrokerException {
        if (standby.get()) {
            throw new BrokerException("this operator replica is a standby; only the leader takes gateway builds"
                    + " (retry: the Service sends the next connection elsewhere)");
        }
        String keyName = grants.get().ofFingerprint(who.fingerprint()).stream()
                .filter(g -> g.namespace().equals(pool.namespace()))
                .map(ClientGrant::keyName).findFirst().orElse(who.name());
        String name = name(pool.pool());
        NixBuild nb = new NixBuild();
        nb.setMetadata(new ObjectMetaBuilder().withNamespace(pool.namespace()).withName(name)
                .withLabels(Map.of(BuildOrigin.LABEL, BuildOrigin.GATEWAY, BuildOrigin.CLIENT_KEY_LABEL,
                        labelValue(keyName)))
                .withAnnotations(Map.of("nixpool.dev/client-key-fingerprint", who.fingerprint()))
                .build());
        NixBuildSpec spec = new NixBuildSpec();
        spec.setDerivation(build.drvPath().toString());
        spec.setSystem(build.system());
        spec.setRequiredSystemFeatures(build.requiredFeatures().stream().sorted().toList());
        spec.setMachine(pool.pool());
        // the client's connection is single-use: a lost builder fails the build and Nix retries on its own terms
        spec.setRetries(0);
        nb.setSpec(spec);
        GatewayTicket ticket = new GatewayTicket(client, attached, pool.namespace(), name, build, settings);
        attached.register(pool.namespace(), name, ticket);
        try {
            client.resource(nb).create();
        } catch (KubernetesClientException e) {
            attached.unregister(pool.namespace(), name);
            throw new BrokerException("cannot create NixBuild " + pool.namespace() + "/" + name + ": "
                    + e.getMessage(), e);
        }
        return ticket;
    }

    static String name(String pool) {
        String suffix = Long.toString(ThreadLocalRandom.current().nextLong(36L * 36 * 36 * 36 * 36 * 36 * 36 * 36),
                36);
        String prefix = "gw-" + pool;
        int room = MAX_NAME - suffix.length() - 1;
        if (prefix.length() > room) {
            prefix = prefix.substring(0, room);
        }
        prefix = prefix.replaceAll("[.-]+$", "");
        return prefix + "-" + suffix;
    }

    /** Label values: 63 characters of [A-Za-z0-9._-], alphanumeric at both ends. */
    static String labelValue(String text) {
        String v = text.replaceAll("[^A-Za-z0-9._-]", "_");
        if (v.length() > 63) {
            v = v.substring(0, 63);
        }
        v = v.replaceAll("^[^A-Za-z0-9]+", "").replaceAll("[^A-Za-z0-9]+$", "");
        return v.isEmpty() ? "unnamed" : v;
    }

    private static List<String> orEmpty(List<String> list) {
        return list != null ? list : List.of();
    }
}

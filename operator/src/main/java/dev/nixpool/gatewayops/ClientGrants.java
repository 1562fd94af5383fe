package dev.nixpool.gatewayops;

import java.security.PublicKey;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import io.fabric8.kubernetes.api.model.ConfigMap;

import dev.nixpool.ssh.HostKeys;
import dev.nixpool.ssh.SshTransportException;

/**
 * Reads the gateway's authorisations from ConfigMaps labelled {@code nixpool.dev/gateway-clients: "true"}: every
 * {@code <name>.pub} entry is a client public key (one OpenSSH line) named {@code <name>}, and the optional
 * {@code pools} entry lists the namespace's pools these keys may use (comma or space separated; absent or {@code *}:
 * all). A key reaches only pools of namespaces whose ConfigMaps list it. Entries that are no valid key are skipped and
 * reported, never the whole ConfigMap.
 */
public final class ClientGrants {

    public static final String LABEL = "nixpool.dev/gateway-clients";
    public static final String POOLS = "pools";
    public static final String KEY_SUFFIX = ".pub";

    private final List<ClientGrant> grants;
    private final List<String> problems;

    private ClientGrants(List<ClientGrant> grants, List<String> problems) {
        this.grants = List.copyOf(grants);
        this.problems = List.copyOf(problems);
    }

    public static ClientGrants of(List<ConfigMap> configMaps) {
        List<ClientGrant> grants = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        for (ConfigMap cm : configMaps) {
            Map<String, String> data = cm.getData() != null ? cm.getData() : Map.of();
            String where = "ConfigMap " + cm.getMetadata().getNamespace() + "/" + cm.getMetadata().getName();
            Set<String> pools = pools(data.get(POOLS));
            for (Map.Entry<String, String> e : data.entrySet()) {
                if (!e.getKey().endsWith(KEY_SUFFIX) || e.getKey().length() == KEY_SUFFIX.length()) {
                    continue;
                }
                String name = e.getKey().substring(0, e.getKey().length() - KEY_SUFFIX.length());
                try {
                    PublicKey key = HostKeys.parse(e.getValue().strip());
                    grants.add(new ClientGrant(cm.getMetadata().getNamespace(), name, key, HostKeys.fingerprint(key),
                            pools));
                } catch (SshTransportException | RuntimeException ex) {
                    problems.add(where + " entry '" + e.getKey() + "' is no OpenSSH public key line: "
                            + ex.getMessage());
                }
            }
        }
        return new ClientGrants(grants, problems);
    }

    private static Set<String> pools(String text) {
        if (text == null || text.isBlank() || text.strip().equals("*")) {
            return Set.of();
        }
        Set<String> pools = new LinkedHashSet<>();
        Arrays.stream(text.split("[,\\s]+")).filter(s -> !s.isEmpty()).forEach(pools::add);
        return pools;
    }

    /** Every grant of this key, in any namespace. */
    public List<ClientGrant> of(PublicKey key) {
        return grants.stream().filter(g -> g.key().equals(key)).toList();
    }

    public List<ClientGrant> ofFingerprint(String fingerprint) {
        return grants.stream().filter(g -> g.fingerprint().equals(fingerprint)).toList();
    }

    public Optional<ClientGrant> first(PublicKey key) {
        return of(key).stream().findFirst();
    }

    public List<String> problems() {
        return problems;
    }

    public int size() {
        return grants.size();
    }
}

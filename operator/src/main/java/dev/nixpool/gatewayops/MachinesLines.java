package dev.nixpool.gatewayops;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

import dev.nixpool.api.v1alpha1.BuildMachine;
import dev.nixpool.api.v1alpha1.BuildMachineSpec;

/**
 * Nix machines-file lines (src/libstore/machines.cc) for pools reached through the gateway: one per pool, whose SSH
 * user names the pool, with its systems, what the pool runs at once as maxJobs (Nix counts per line, per client),
 * its speed factor (a whole number: Nix 2.8 reads an unsigned int), supported and mandatory features and the
 * gateway's host key; and the {@code auto} line, which offers everything and lets the gateway choose.
 */
public final class MachinesLines {

    public static final String AUTO = "auto";
    /** Store URI schemes the gateway serves: {@code nix-store --serve} and {@code nix-daemon --stdio}. */
    public static final String SSH = "ssh";
    public static final String SSH_NG = "ssh-ng";

    private MachinesLines() {
    }

    /**
     * @param host the gateway as the client's ssh reaches it: a host name, address or ssh_config alias (Nix 2.8 takes
     *        no port in the URI: put it in ssh_config or NIX_SSHOPTS)
     * @param user the SSH user naming the pool: {@code <pool>}, or {@code <namespace>.<pool>} when the name is ambiguous
     * @param hostKeyLine the gateway's public host key line
     */
    public static String line(BuildMachine pool, String host, String user, String hostKeyLine) {
        return line(pool, SSH, host, user, hostKeyLine);
    }

    /** The same with the store URI scheme {@code scheme} ({@link #SSH} or {@link #SSH_NG}). */
    public static String line(BuildMachine pool, String scheme, String host, String user, String hostKeyLine) {
        BuildMachineSpec s = pool.getSpec();
        long jobs = (long) orOne(s.getMaxJobs()) * orOne(s.getMaxBuilders());
        return String.join(" ", uri(scheme, user, host), String.join(",", s.getSystems()), "-",
                Long.toString(jobs), speed(s.getSpeedFactor()), list(s.getSupportedFeatures()),
                list(s.getMandatoryFeatures()), base64(hostKeyLine));
    }

    /** The line of user {@code auto}: every system and feature of {@code pools}, their capacity summed. */
    public static String auto(List<BuildMachine> pools, String host, String hostKeyLine) {
        return auto(pools, SSH, host, hostKeyLine);
    }

    /** The same with the store URI scheme {@code scheme}. */
    public static String auto(List<BuildMachine> pools, String scheme, String host, String hostKeyLine) {
        Set<String> systems = new TreeSet<>();
        Set<String> features = new TreeSet<>();
        long jobs = 0;
        for (BuildMachine m : pools) {
            BuildMachineSpec s = m.getSpec();
            systems.addAll(s.getSystems());
            if (s.getSupportedFeatures() != null) {
                features.addAll(s.getSupportedFeatures());
            }
            if (s.getMandatoryFeatures() != null) {
                features.addAll(s.getMandatoryFeatures());
            }
            jobs += (long) orOne(s.getMaxJobs()) * orOne(s.getMaxBuilders());
        }
        return String.join(" ", uri(scheme, AUTO, host), String.join(",", systems), "-",
                Long.toString(Math.max(1, jobs)), "1", list(List.copyOf(features)), "-", base64(hostKeyLine));
    }

    /**
     * A whole machines file: one line per pool (qualified with its namespace when another namespace has a pool of that
     * name), then the {@code auto} line. Nix prefers the first line that fits among equally loaded ones, so pool lines
     * serve what they fit and {@code auto} takes the rest; a client may also keep only the {@code auto} line.
     */
    public static String file(List<BuildMachine> pools, String host, String hostKeyLine) {
        return file(pools, SSH, host, hostKeyLine);
    }

    /**
     * The same with the store URI scheme {@code scheme}: {@link #SSH_NG} for clients that prefer the daemon protocol
     * (the gateway serves both the same way).
     */
    public static String file(List<BuildMachine> pools, String scheme, String host, String hostKeyLine) {
        if (!SSH.equals(scheme) && !SSH_NG.equals(scheme)) {
            throw new IllegalArgumentException("the gateway serves ssh:// and ssh-ng://, not " + scheme + "://");
        }
        List<BuildMachine> sorted = pools.stream().filter(m -> m.getSpec() != null && m.getSpec().getSystems() != null)
                .sorted(Comparator.comparing((BuildMachine m) -> m.getMetadata().getNamespace())
                        .thenComparing(m -> m.getMetadata().getName()))
                .toList();
        StringBuilder text = new StringBuilder("# Nixpool pools through the gateway at " + host
                + ": one line per pool, then 'auto' (the gateway picks the pool)\n");
        for (BuildMachine m : sorted) {
            text.append(line(m, scheme, host, user(m, sorted), hostKeyLine)).append('\n');
        }
        text.append(auto(sorted, scheme, host, hostKeyLine)).append('\n');
        return text.toString();
    }

    /**
     * The SSH user that names {@code pool} among {@code pools}: its name, or {@code <namespace>.<name>} when a pool of
     * another namespace has the same name (the gateway could not tell them apart).
     */
    public static String user(BuildMachine pool, List<BuildMachine> pools) {
        String name = pool.getMetadata().getName();
        String namespace = pool.getMetadata().getNamespace();
        boolean ambiguous = pools.stream().anyMatch(o -> o.getMetadata().getName().equals(name)
                && !Objects.equals(o.getMetadata().getNamespace(), namespace));
        return ambiguous ? namespace + "." + name : name;
    }

    private static String uri(String scheme, String user, String host) {
        return scheme + "://" + user + "@" + host;
    }

    private static int orOne(Integer n) {
        return n == null || n < 1 ? 1 : n;
    }

    private static String speed(Double factor) {
        long whole = factor == null ? 1 : Math.max(1, Math.round(factor));
        return String.format(Locale.ROOT, "%d", whole);
    }

    private static String list(List<String> items) {
        return items == null || items.isEmpty() ? "-" : String.join(",", items);
    }

    static String base64(String hostKeyLine) {
        return Base64.getEncoder().encodeToString(hostKeyLine.strip().getBytes(StandardCharsets.UTF_8));
    }
}

package dev.nixpool.runtime;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

import io.fabric8.kubernetes.api.model.Taint;

/**
 * The one node the builder runtime plays: its name, labels and taints, as a Node object of a cluster would carry them.
 * Pods are matched against it as kube-scheduler would ({@link NodeFit}).
 *
 * @param name the node's name ({@code metadata.name}, what {@code matchFields} compares)
 * @param labels the node's labels
 * @param taints the node's taints; only {@code NoSchedule} and {@code NoExecute} keep pods away
 */
public record LocalNode(String name, Map<String, String> labels, List<Taint> taints) {

    public static final String LABEL_OS = "kubernetes.io/os";
    public static final String LABEL_ARCH = "kubernetes.io/arch";
    public static final String LABEL_HOSTNAME = "kubernetes.io/hostname";
    public static final String LABEL_KVM = "nixpool.dev/kvm";
    public static final String LABEL_BIG_PARALLEL = "nixpool.dev/big-parallel";

    public LocalNode {
        Objects.requireNonNull(name, "name");
        labels = Map.copyOf(labels);
        taints = List.copyOf(taints);
    }

    /**
     * This machine as a node: os, arch and hostname labels as a kubelet sets them, {@code nixpool.dev/kvm=true} only when
     * /dev/kvm can be opened for reading and writing (the test Nix itself uses to add the {@code kvm} system feature),
     * and {@code nixpool.dev/big-parallel=true} (Nix puts big-parallel into every machine's default system features:
     * it marks a build as large, it needs no hardware). No taints.
     */
    public static LocalNode detect() {
        return detect(hostname(), System.getProperty("os.arch"), Path.of("/dev/kvm"));
    }

    static LocalNode detect(String hostname, String javaArch, Path kvmDevice) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(LABEL_OS, "linux");
        labels.put(LABEL_ARCH, goArch(javaArch));
        labels.put(LABEL_HOSTNAME, hostname);
        labels.put(LABEL_BIG_PARALLEL, "true");
        if (Files.isReadable(kvmDevice) && Files.isWritable(kvmDevice)) {
            labels.put(LABEL_KVM, "true");
        }
        return new LocalNode(hostname, labels, List.of());
    }

    /**
     * These labels changed: {@code key=value} sets a label, {@code key-} removes it (kubectl label's syntax).
     *
     * @throws IllegalArgumentException for anything else
     */
    public LocalNode withLabelChanges(List<String> changes) {
        Map<String, String> changed = new LinkedHashMap<>(labels);
        for (String change : changes) {
            int eq = change.indexOf('=');
            if (eq > 0) {
                changed.put(change.substring(0, eq), change.substring(eq + 1));
            } else if (change.endsWith("-") && change.length() > 1) {
                changed.remove(change.substring(0, change.length() - 1));
            } else {
                throw new IllegalArgumentException(
                        "expected a node label change KEY=VALUE (set) or KEY- (remove), got '" + change + "'");
            }
        }
        return new LocalNode(name, changed, taints);
    }

    /**
     * These taints added, written as kubectl taint does: {@code key[=value]:Effect}.
     *
     * @throws IllegalArgumentException for a malformed taint or an unknown effect
     */
    public LocalNode withTaints(List<String> specs) {
        List<Taint> all = new java.util.ArrayList<>(taints);
        for (String spec : specs) {
            int colon = spec.lastIndexOf(':');
            String effect = colon < 0 ? "" : spec.substring(colon + 1);
            if (colon <= 0 || !List.of("NoSchedule", "PreferNoSchedule", "NoExecute").contains(effect)) {
                throw new IllegalArgumentException("expected a node taint KEY[=VALUE]:EFFECT with EFFECT NoSchedule, "
                        + "PreferNoSchedule or NoExecute, got '" + spec + "'");
            }
            String keyValue = spec.substring(0, colon);
            int eq = keyValue.indexOf('=');
            String key = eq < 0 ? keyValue : keyValue.substring(0, eq);
            String value = eq < 0 ? null : keyValue.substring(eq + 1);
            all.add(new Taint(effect, key, null, value));
        }
        return new LocalNode(name, labels, all);
    }

    /** The names Go (and so Kubernetes) gives the architectures Java reports. */
    static String goArch(String javaArch) {
        return switch (javaArch.toLowerCase(Locale.ROOT)) {
            case "amd64", "x86_64" -> "amd64";
            case "aarch64", "arm64" -> "arm64";
            case "x86", "i386", "i686" -> "386";
            case "ppc64le" -> "ppc64le";
            case "s390x" -> "s390x";
            case "riscv64" -> "riscv64";
            default -> javaArch;
        };
    }

    /** A kubelet's default node name: the hostname, lower case. */
    private static String hostname() {
        try {
            return Files.readString(Path.of("/proc/sys/kernel/hostname")).strip().toLowerCase(Locale.ROOT);
        } catch (IOException e) {
            try {
                return InetAddress.getLocalHost().getHostName().toLowerCase(Locale.ROOT);
            } catch (IOException unknown) {
                return "localhost";
            }
        }
    }
}

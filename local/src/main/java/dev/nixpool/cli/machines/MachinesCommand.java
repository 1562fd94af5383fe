package dev.nixpool.cli.machines;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;

import dev.nixpool.api.v1alpha1.BuildMachine;
import dev.nixpool.cli.Command;
import dev.nixpool.cli.UsageException;
import dev.nixpool.gatewayops.MachinesLines;

/**
 * {@code nixpool machines GATEWAY}: a complete Nix machines file for the pools of the cluster (kubectl's
 * configuration), reached through the gateway at GATEWAY, with the gateway's host key from its Secret.
 */
public final class MachinesCommand implements Command {

    static final String DEFAULT_SECRET = "nixpool-gateway-host-key";

    @Override
    public String name() {
        return "machines";
    }

    @Override
    public String summary() {
        return "print a Nix machines file for the cluster's pools through the gateway";
    }

    @Override
    public String usage() {
        return """
                usage: nixpool machines GATEWAY [-n NAMESPACE] [--host-key-secret NAMESPACE/NAME]
                                        [--protocol ssh|ssh-ng]

                Prints a Nix machines file on stdout: one line per pool (BuildMachine) of NAMESPACE (default: all
                namespaces), as ssh://<pool>@GATEWAY (--protocol ssh-ng: ssh-ng://<pool>@GATEWAY, Nix's daemon
                protocol; the gateway serves both alike) with the pool's systems, capacity as maxJobs, speed factor,
                supported and mandatory features and the gateway's host key (field 8, so Nix pins it), then the
                'auto' line (the gateway picks the pool). GATEWAY is what the client's ssh reaches: a host name, an
                address or an ssh_config alias; Nix 2.8 takes no port in the URI, so put a port other than 22 in
                ssh_config (or NIX_SSHOPTS="-p PORT"). The host key comes from the Secret the operator generated
                (default: nixpool-gateway-host-key in the kubeconfig's namespace). Uses KUBECONFIG like kubectl.

                exit codes: 0 printed, 1 the cluster could not be read, 2 bad arguments
                """;
    }

    @Override
    public int run(List<String> args, PrintStream out, PrintStream err) throws UsageException {
        String gateway = null;
        String namespace = null;
        String secret = null;
        String protocol = MachinesLines.SSH;
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            switch (a) {
                case "-n", "--namespace" -> namespace = value(args, ++i, a);
                case "--host-key-secret" -> secret = value(args, ++i, a);
                case "--protocol" -> protocol = protocol(value(args, ++i, a));
                default -> {
                    if (a.startsWith("-") || gateway != null) {
                        throw new UsageException("unexpected argument '" + a + "'");
                    }
                    gateway = a;
                }
            }
        }
        if (gateway == null) {
            throw new UsageException("missing GATEWAY (the gateway's host name, address or ssh_config alias)");
        }
        try (KubernetesClient client = new KubernetesClientBuilder().withConfig(Config.autoConfigure(null))
                .build()) {
            String secretNamespace = client.getNamespace() != null ? client.getNamespace() : "default";
            String secretName = DEFAULT_SECRET;
            if (secret != null) {
                int slash = secret.indexOf('/');
                if (slash <= 0) {
                    throw new UsageException("--host-key-secret expects NAMESPACE/NAME, got '" + secret + "'");
                }
                secretNamespace = secret.substring(0, slash);
                secretName = secret.substring(slash + 1);
            }
            Secret s = client.secrets().inNamespace(secretNamespace).withName(secretName).get();
            if (s == null || s.getData() == null || !s.getData().containsKey("ssh_host_ed25519_key.pub")) {
                err.println("nixpool machines: no gateway host key in Secret " + secretNamespace + "/" + secretName
                        + " (is the gateway enabled? nixpool.gateway.enabled=true)");
                return 1;
            }
            String hostKey = new String(Base64.getDecoder().decode(s.getData().get("ssh_host_ed25519_key.pub")),
                    StandardCharsets.UTF_8).strip();
            List<BuildMachine> pools = namespace != null
                    ? client.resources(BuildMachine.class).inNamespace(namespace).list().getItems()
                    : client.resources(BuildMachine.class).inAnyNamespace().list().getItems();
            out.print(MachinesLines.file(pools, protocol, gateway, hostKey));
            out.flush();
            return 0;
        } catch (KubernetesClientException e) {
            err.println("nixpool machines: cannot read the cluster: " + e.getMessage());
            return 1;
        }
    }

    private static String protocol(String value) throws UsageException {
        if (!value.equals(MachinesLines.SSH) && !value.equals(MachinesLines.SSH_NG)) {
            throw new UsageException("--protocol expects ssh or ssh-ng, got '" + value + "'");
        }
        return value;
    }

    private static String value(List<String> args, int i, String option) throws UsageException {
        if (i >= args.size()) {
            throw new UsageException(option + " needs a value");
        }
        return args.get(i);
    }
}

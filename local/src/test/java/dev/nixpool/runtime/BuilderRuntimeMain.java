package dev.nixpool.runtime;

import java.nio.file.Path;

import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;

/**
 * A builder runtime in a JVM of its own, for tests that kill that JVM with SIGKILL. Arguments: API server URL, work dir,
 * entrypoint, first and last loopback host part. Prints {@value #STARTED} once it watches pods, then runs until killed.
 */
public final class BuilderRuntimeMain {

    static final String STARTED = "builder runtime started";

    private BuilderRuntimeMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        if (args.length != 5) {
            throw new IllegalArgumentException(
                    "expected: API-SERVER-URL WORK-DIR ENTRYPOINT FIRST-HOST LAST-HOST, got " + args.length
                            + " arguments");
        }
        KubernetesClient client = new KubernetesClientBuilder()
                .withConfig(new ConfigBuilder().withMasterUrl(args[0]).withTrustCerts(true).build()).build();
        BuilderRuntime runtime = new BuilderRuntime(client, BuilderRuntimeConfig.of(Path.of(args[2]), Path.of(args[1]))
                .withAddresses(Integer.parseInt(args[3]), Integer.parseInt(args[4])));
        runtime.start();
        System.out.println(STARTED);
        System.out.flush();
        Thread.currentThread().join();
    }
}

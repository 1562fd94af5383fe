package dev.nixpool.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.ZipFile;

import org.junit.jupiter.api.Test;

/**
 * What the operator image carries: the packaged Quarkus app's libraries hold no mock API server, no mockwebserver, no
 * BouncyCastle (only the mock needed it), none of the AWS SDK's own HTTP clients, and no class of the local cluster,
 * the CLI or the benchmarks.
 */
class OperatorClasspathIT {

    private static final Path APP = Path.of(System.getProperty("nixpool.repo.root"), "operator", "target",
            "quarkus-app");

    @Test
    void thePackagedOperatorHasNoMockServerAndNoLocalClusterCode() throws IOException {
        List<String> jars = jars();
        assertThat(jars).as("the operator's runtime libraries").isNotEmpty()
                .anySatisfy(j -> assertThat(j).contains("nixpool-nix-protocol"))
                .anySatisfy(j -> assertThat(j).contains("nixpool-ssh"))
                .noneSatisfy(j -> assertThat(j).containsAnyOf("kubernetes-server-mock", "mockwebserver",
                        "bcprov", "bcpkix", "nixpool-local"))
                // the S3 uploads use the JDK-based client: the SDK's Netty and Apache clients stay out of the image
                .anySatisfy(j -> assertThat(j).contains("url-connection-client"))
                .noneSatisfy(j -> assertThat(j).containsAnyOf("awssdk.netty-nio-client", "awssdk.apache-client",
                        "awssdk.apache5-client"));
        for (String jar : jars) {
            try (ZipFile zip = new ZipFile(APP.resolve(jar).toFile())) {
                assertThat(zip.stream().map(e -> e.getName()))
                        .as("classes in %s", jar)
                        .noneMatch(name -> name.startsWith("dev/nixpool/local/")
                                || name.startsWith("dev/nixpool/runtime/") || name.startsWith("dev/nixpool/cli/")
                                || name.startsWith("dev/nixpool/bench/"));
            }
        }
    }

    private static List<String> jars() throws IOException {
        try (Stream<Path> files = Files.walk(APP)) {
            return files.filter(p -> p.toString().endsWith(".jar")).map(p -> APP.relativize(p).toString()).toList();
        }
    }
}

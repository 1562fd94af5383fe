package dev.nixpool.cli.logs;

import java.io.PrintStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.OAuthTokenProvider;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;

import dev.nixpool.api.v1alpha1.NixBuildPhase;
import dev.nixpool.logs.LogResource;

/**
 * Reads a build log from the operator's endpoint through the API server's service proxy. The API server
 * authenticates the request (TLS, token or client certificate from the kubeconfig) and checks get on
 * {@code services/proxy}; it then drops the Authorization header before proxying, so the token also travels in
 * {@value LogResource#PROXIED_AUTHORIZATION} for the operator's own TokenReview and SubjectAccessReview.
 */
final class LogReader implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration POLL = Duration.ofMillis(500);
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);

    /** The log cannot be read; the message says why, in words for the user. */
    static final class Refused extends RuntimeException {
        final int code;
        final boolean fromApiServer;

        Refused(String message) {
            this(message, 0, false);
        }

        Refused(String message, int code, boolean fromApiServer) {
            super(message);
            this.code = code;
            this.fromApiServer = fromApiServer;
        }
    }

    private final LogsOptions options;
    private final KubernetesClient client;
    private final String namespace;
    private final String token;

    private LogReader(LogsOptions options, KubernetesClient client, String namespace, String token) {
        this.options = options;
        this.client = client;
        this.namespace = namespace;
        this.token = token;
    }

    static LogReader connect(LogsOptions options) {
        Config config;
        try {
            config = options.kubeconfig() != null
                    ? Config.fromKubeconfig(options.context(), options.kubeconfig().toFile())
                    : Config.autoConfigure(options.context());
        } catch (KubernetesClientException e) {
            throw new Refused("cannot read the kubeconfig: " + e.getMessage());
        }
        String token = Optional.ofNullable(config.getOauthTokenProvider()).map(OAuthTokenProvider::getToken)
                .or(() -> Optional.ofNullable(config.getOauthToken()))
                .or(() -> Optional.ofNullable(config.getAutoOAuthToken()))
                .filter(t -> !t.isBlank())
                .orElseThrow(() -> new Refused("the kubeconfig's user has no bearer token (a client certificate "
                        + "alone cannot be passed on to the operator, which checks who you are with a TokenReview); "
                        + "use a context with a token or an exec credential plugin"));
        String namespace = options.namespace() != null
                ? options.namespace()
                : config.getNamespace() != null ? config.getNamespace() : "default";
        return new LogReader(options, new KubernetesClientBuilder().withConfig(config).build(), namespace, token);
    }

    /** Prints the log (following it with -f); the exit code. */
    int print(PrintStream out, PrintStream err) {
        if (!options.follow()) {
            Chunk whole = fetch(options.attempt(), null);
            out.write(whole.bytes(), 0, whole.bytes().length);
            out.flush();
            return 0;
        }
        Chunk chunk = firstChunk();
        int attempt = chunk.attempt();
        long offset = write(out, chunk);
        while (true) {
            if (!chunk.complete() || chunk.bytes().length > 0) {
                if (chunk.bytes().length == 0) {
                    pause();
                }
                chunk = fetch(attempt, offset);
                offset += write(out, chunk);
                continue;
            }
            if (options.attempt() != null || buildEnded()) {
                return 0;
            }
            // the attempt ended but the build did not: a retry comes; follow its log
            pause();
            Chunk latest = fetch(null, 0L);
            if (latest.attempt() > attempt) {
                err.println("nixpool logs: attempt " + latest.attempt() + " of NixBuild " + namespace + "/"
                        + options.name() + " started");
                attempt = latest.attempt();
                offset = write(out, latest);
                chunk = latest;
            }
        }
    }

    /** Following a build that has no log yet (it waits for a builder) waits for its first line. */
    private Chunk firstChunk() {
        while (true) {
            try {
                return fetch(options.attempt(), 0L);
            } catch (Refused e) {
                if (e.code != 404 || e.fromApiServer || buildEnded()) {
                    throw e;
                }
            }
            pause();
        }
    }

    private static long write(PrintStream out, Chunk chunk) {
        out.write(chunk.bytes(), 0, chunk.bytes().length);
        out.flush();
        return chunk.bytes().length;
    }

    private boolean buildEnded() {
        GenericKubernetesResource build;
        try {
            build = client.genericKubernetesResources("nixpool.dev/v1alpha1", "NixBuild").inNamespace(namespace)
                    .withName(options.name()).get();
        } catch (KubernetesClientException e) {
            throw new Refused("cannot read NixBuild " + namespace + "/" + options.name() + ": " + e.getMessage());
        }
        if (build == null) {
            return true;
        }
        Object status = build.getAdditionalProperties().get("status");
        if (!(status instanceof java.util.Map<?, ?> map) || !(map.get("phase") instanceof String phase)) {
            return false;
        }
        try {
            return NixBuildPhase.valueOf(phase).isFinal();
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private record Chunk(byte[] bytes, int attempt, boolean complete) {
    }

    private Chunk fetch(Integer attempt, Long offset) {
        String[] service = options.operatorService().split(":", 2);
        StringBuilder url = new StringBuilder(client.getMasterUrl().toString().replaceAll("/+$", ""))
                .append("/api/v1/namespaces/").append(enc(options.operatorNamespace())).append("/services/")
                .append(enc(service[0])).append(service.length > 1 ? ":" + enc(service[1]) : "")
                .append("/proxy/api/v1/namespaces/").append(enc(namespace)).append("/nixbuilds/")
                .append(enc(options.name())).append("/log");
        String separator = "?";
        if (attempt != null) {
            url.append(separator).append("attempt=").append(attempt);
            separator = "&";
        }
        if (offset != null) {
            url.append(separator).append("offset=").append(offset);
        }
        HttpRequest request = client.getHttpClient().newHttpRequestBuilder().uri(url.toString())
                .header(LogResource.PROXIED_AUTHORIZATION, "Bearer " + token).build();
        HttpResponse<byte[]> response;
        try {
            response = client.getHttpClient().sendAsync(request, byte[].class)
                    .get(REQUEST_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Refused("interrupted");
        } catch (ExecutionException | TimeoutException e) {
            throw new Refused("cannot reach the API server at " + client.getMasterUrl() + ": "
                    + (e.getCause() != null ? e.getCause() : e));
        }
        byte[] body = response.body() == null ? new byte[0] : response.body();
        if (response.code() != 200) {
            throw new Refused(explain(response.code(), body), response.code(), isStatus(body));
        }
        String attemptHeader = response.header(LogResource.ATTEMPT_HEADER);
        return new Chunk(body, attemptHeader == null ? 1 : Integer.parseInt(attemptHeader.trim()),
                "true".equals(response.header(LogResource.COMPLETE_HEADER)));
    }

    /**
     * The operator answers in plain sentences; the API server (refusing the proxy, or finding no operator) with a
     * Status whose message is the sentence.
     */
    private String explain(int code, byte[] body) {
        String text = new String(body, StandardCharsets.UTF_8).strip();
        try {
            JsonNode status = JSON.readTree(text);
            if (status != null && "Status".equals(status.path("kind").asText())) {
                String message = status.path("message").asText();
                if (code == 403) {
                    return "the API server refused the request: " + message + " (reading logs needs get on "
                            + "services/proxy '" + options.operatorService() + "' in namespace "
                            + options.operatorNamespace() + ", see docs/logs.md)";
                }
                if (code == 503 || code == 404) {
                    return "the operator's log endpoint cannot be reached through the API server (" + message
                            + "): is the operator running with its Service " + options.operatorNamespace() + "/"
                            + options.operatorService() + "?";
                }
                return "the API server answered " + code + ": " + message;
            }
        } catch (java.io.IOException e) {
            // not JSON: the operator's own sentence
        }
        return text.isEmpty() ? "HTTP " + code : text;
    }

    private static boolean isStatus(byte[] body) {
        try {
            JsonNode node = JSON.readTree(body);
            return node != null && "Status".equals(node.path("kind").asText());
        } catch (java.io.IOException e) {
            return false;
        }
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static void pause() {
        try {
            Thread.sleep(POLL.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Refused("interrupted");
        }
    }

    @Override
    public void close() {
        client.close();
    }
}

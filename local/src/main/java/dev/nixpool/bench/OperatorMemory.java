package dev.nixpool.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.OptionalLong;

/**
 * The operator process's memory as the benchmark samples it: resident set size from /proc (and the kernel's own peak,
 * VmHWM) and heap in use from its Prometheus metrics ({@code jvm_memory_used_bytes{area="heap"}}, summed over pools).
 */
final class OperatorMemory {

    private final long pid;
    private final URI metrics;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private long maxRss;
    private long maxHeap;

    OperatorMemory(long pid, URI managementUrl) {
        this.pid = pid;
        this.metrics = managementUrl.resolve("/q/metrics");
    }

    /** One sample; a process that is gone or a metrics request that fails leaves the maxima as they were. */
    synchronized void sample() throws InterruptedException {
        statusField("VmHWM:").ifPresent(kib -> maxRss = Math.max(maxRss, kib * 1024));
        heapUsed().ifPresent(bytes -> maxHeap = Math.max(maxHeap, bytes));
    }

    synchronized long maxRssBytes() {
        return maxRss;
    }

    synchronized long maxHeapBytes() {
        return maxHeap;
    }

    private OptionalLong statusField(String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith(field)) {
                    return OptionalLong.of(Long.parseLong(line.substring(field.length()).trim().split("\\s+")[0]));
                }
            }
        } catch (IOException | NumberFormatException e) {
            // the process ended (or was restarted): no sample
        }
        return OptionalLong.empty();
    }

    private OptionalLong heapUsed() throws InterruptedException {
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(metrics).timeout(Duration.ofSeconds(5))
                    .GET().build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                return OptionalLong.empty();
            }
            return heapFrom(response.body());
        } catch (IOException e) {
            return OptionalLong.empty();
        }
    }

    static OptionalLong heapFrom(String prometheusText) {
        long sum = 0;
        boolean found = false;
        for (String line : prometheusText.split("\n")) {
            if (line.startsWith("jvm_memory_used_bytes{") && line.contains("area=\"heap\"")) {
                sum += (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                found = true;
            }
        }
        return found ? OptionalLong.of(sum) : OptionalLong.empty();
    }
}

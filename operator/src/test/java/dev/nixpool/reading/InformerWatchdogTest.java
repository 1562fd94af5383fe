package dev.nixpool.reading;

import static org.assertj.core.api.Assertions.assertThat;

import org.eclipse.microprofile.health.HealthCheckResponse;
import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;

class InformerWatchdogTest {

    @Test
    void anInformerThatStoppedOnAnErrorMakesTheOperatorNotAlive() {
        InformerWatchdog watchdog = new InformerWatchdog();
        try (KubernetesClient client = new KubernetesClientBuilder().build()) {
            // never started: nothing is sent to a server
            SharedIndexInformer<Pod> informer = client.pods().inNamespace("ns").runnableInformer(0);

            watchdog.onStop(informer, null);
            assertThat(watchdog.call().getStatus()).as("a stop on shutdown is no failure")
                    .isEqualTo(HealthCheckResponse.Status.UP);

            watchdog.onStop(informer, new WatcherException("Unexpected exception processing watch event"));
            HealthCheckResponse response = watchdog.call();
            assertThat(response.getStatus()).isEqualTo(HealthCheckResponse.Status.DOWN);
            assertThat(response.getData()).hasValueSatisfying(
                    data -> assertThat(data).containsEntry("Pod", "Unexpected exception processing watch event"));
        }
    }
}

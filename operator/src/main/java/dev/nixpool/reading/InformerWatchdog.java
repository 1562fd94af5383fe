package dev.nixpool.reading;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Default;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Liveness;
import org.jboss.logging.Logger;

import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.javaoperatorsdk.operator.api.config.InformerStoppedHandler;
import io.quarkus.arc.Unremovable;

/**
 * An informer that gave up leaves the operator blind to its kind for good: a stopped Fabric8 informer cannot be
 * started again. Failed lists and watches are retried (quarkus.operator-sdk.stop-on-informer-error-during-startup=false
 * makes JOSDK install a retrying exception handler), and the operator's kinds no longer fail to deserialize (see
 * {@link ReadingCustomizer}), so this is the last resort: say so in the log and report the operator not alive, so that
 * Kubernetes restarts it with fresh informers. Without a handler bean the Quarkus operator SDK lets an informer stop in
 * silence.
 */
@ApplicationScoped
@Liveness
// the Quarkus operator SDK looks the handler up unqualified: @Liveness alone would hide it from that lookup
@Default
@Unremovable
public class InformerWatchdog implements InformerStoppedHandler, HealthCheck {

    private static final Logger LOG = Logger.getLogger(InformerWatchdog.class);

    private final Map<String, String> stopped = new ConcurrentHashMap<>();

    @Override
    public void onStop(SharedIndexInformer informer, Throwable error) {
        if (error == null) {
            // stopped on purpose: the operator shuts down
            return;
        }
        String kind = informer.getApiTypeClass().getSimpleName();
        stopped.put(kind, String.valueOf(error.getMessage()));
        LOG.errorf(error, "the %s informer stopped: the operator no longer sees %s changes and reports itself not"
                + " alive so that it is restarted", kind, kind);
    }

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder response = HealthCheckResponse.named("nixpool-informers").status(stopped.isEmpty());
        stopped.forEach(response::withData);
        return response.build();
    }
}

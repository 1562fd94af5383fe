package dev.nixpool.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** The operator's settings; defaults and their explanations live in application.properties and docs/configuration.md. */
@ConfigMapping(prefix = "nixpool")
public interface NixpoolConfig {

    Builder builder();

    /** Per system feature: where a builder goes and what extra it gets when a build requires the feature. */
    Map<String, Feature> features();

    Scheduling scheduling();

    interface Builder {
        @WithDefault("nixpool/builder:0.1.0")
        String image();

        @WithDefault("IfNotPresent")
        String imagePullPolicy();

        @WithDefault("2222")
        int sshPort();

        /** Requests and limits of a builder container whose pool sets none. */
        Resources resources();

        /** How long a builder pod may take to become Ready before the attempt counts as lost. */
        @WithDefault("10m")
        Duration readinessTimeout();

        /** The uid the builder runs as; empty runs as the image's user (root in the reference image, see docs). */
        Optional<Long> runAsUser();
    }

    interface Resources {
        Map<String, String> requests();

        Map<String, String> limits();
    }

    interface Feature {
        Map<String, String> nodeSelector();

        Optional<List<TolerationConfig>> tolerations();

        /** Extra requests; extended resources (names with a domain, e.g. devices.kubevirt.io/kvm) get equal limits. */
        Map<String, String> resources();
    }

    interface TolerationConfig {
        String key();

        @WithDefault("Exists")
        String operator();

        Optional<String> value();

        Optional<String> effect();
    }

    interface Scheduling {
        /** Safety net: how often a Pending build is scheduled again even without an event. */
        @WithDefault("30s")
        Duration pendingRequeue();

        /** How often a Scheduled build looks at its builder pod again even without an event. */
        @WithDefault("15s")
        Duration builderRequeue();
    }
}

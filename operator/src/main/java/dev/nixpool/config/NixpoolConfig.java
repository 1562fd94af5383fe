package dev.nixpool.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * The operator's settings. Their defaults live in one place, application.properties (with their explanations; more in
 * docs/configuration.md), not in {@code @WithDefault} here: the only exception is a default for each element of a list
 * the user writes (ConfigDefaultsTest checks both).
 */
@ConfigMapping(prefix = "nixpool")
public interface NixpoolConfig {

    Builder builder();

    /** Per system feature: where a builder goes and what extra it gets when a build requires the feature. */
    Map<String, Feature> features();

    Scheduling scheduling();

    Session session();

    Runner runner();

    Retry retry();

    Upload upload();

    Logs logs();

    LeaderElection leaderElection();

    Metrics metrics();

    /** Bounds on what a builder may send in total (a hostile builder image must not exhaust the operator's memory). */
    BuilderLimits builderLimits();

    Gateway gateway();

    interface Builder {
        String image();

        String imagePullPolicy();

        int sshPort();

        /** Requests and limits of a builder container whose pool sets none. */
        Resources resources();

        /** The uid the builder runs as; empty runs as the image's user (see docs/configuration.md). */
        Optional<Long> runAsUser();

        /** The user the operator logs in as over SSH: the reference image's {@code nixpool}. */
        String sshUser();

        /** Keep the builder pod and its Secret of a failed build for inspection (they hold their pool slot). */
        boolean keepFailed();
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

        // a default for each toleration of a list the user writes, which application.properties cannot give
        @WithDefault("Exists")
        String operator();

        Optional<String> value();

        Optional<String> effect();
    }

    interface Scheduling {
        /** Safety net: how often a Pending build is scheduled again even without an event. */
        Duration pendingRequeue();

        /** How often a Scheduled build looks at its builder pod again even without an event. */
        Duration builderRequeue();

        /**
         * How often waiting builds' queue positions are brought up to date after the builds ahead of them left the
         * queue (a build that may take a slot is woken at once; only the position shown waits).
         */
        Duration queueRefresh();

        /** Position updates a namespace may cause per second on average: a long queue is refreshed less often. */
        int queuePositionWrites();

        /**
         * A pool's status is written for a new count of its waiting builds ({@code status.queued}) alone at most this
         * often; any other change of the status is written at once.
         */
        Duration poolStatusInterval();

        /**
         * A builder pod this operator created that no informer cache ever showed (someone deleted it at once) stops
         * counting against its pool's capacity after this long.
         */
        Duration unseenLimit();

        /**
         * How long after the operator started an ephemeral builder labelled for a build that nobody holds is kept for
         * that build to adopt: a predecessor may have been killed between creating the pod and recording it.
         */
        Duration adoptionGrace();
    }

    /** Time limits of a session with a builder: SSH, then Nix's serve protocol. */
    interface Session {
        Duration connectTimeout();

        Duration authTimeout();

        Duration channelOpenTimeout();

        Duration keepAliveInterval();

        int keepAliveMaxMissed();

        Duration handshakeTimeout();

        Duration operationTimeout();

        Duration evaluationTimeout();
    }

    /** The threads that talk to builders, off the reconcile threads. */
    interface Runner {
        /** Builds talked to at once; further builds wait for a thread (their builders are already reserved). */
        int threads();

        /**
         * Safety net: how often a connecting or building NixBuild looks at its run even without news from it. The
         * runner's events move builds on; this only covers an event that never came.
         */
        Duration progressRequeue();

        /**
         * Runs one namespace may have on the runner threads at once; its further runs wait in its own queue while
         * other namespaces' runs go ahead, so one tenant cannot take every thread. Below {@link #threads()} to mean it.
         */
        int namespaceThreads();

        /**
         * The time limit of a build that sets no shorter spec.timeoutSeconds, from its start (waiting for a builder
         * included); empty for none.
         */
        Optional<Duration> defaultBuildTimeout();
    }

    /** Backoff between attempts after a lost builder: initial, doubled per attempt, capped. */
    interface Retry {
        Duration initialBackoff();

        Duration maxBackoff();
    }

    /** Copying outputs to copyTo: attempts, the backoff between them, and where NARs are compressed before sending. */
    interface Upload {
        int attempts();

        Duration initialBackoff();

        Duration maxBackoff();

        String tempDir();

        /** Threads compressing NARs, shared by all uploads (each xz thread holds its encoder's memory). */
        int compressionThreads();

        /** Bytes of NAR per xz block; blocks are compressed in parallel, the dictionary is at most this big. */
        int xzBlockSize();
    }

    interface Logs {
        /** Where build logs are kept: {@code <dir>/<namespace>/<name>/attempt-<n>.log}. */
        String dir();

        /** Log bytes kept per build (all attempts together); the rest is dropped with a note. */
        long maxBytes();

        /**
         * Log bytes kept in the whole store; past it the logs of the builds written to longest ago are evicted (their
         * endpoint answers 410 Gone). Keep it below the log volume's size.
         */
        long maxTotalBytes();

        /** How long the log endpoint remembers a TokenReview's or SubjectAccessReview's answer, yes or no. */
        Duration accessCacheTtl();

        /** How many such answers it remembers at most (each kind). */
        int accessCacheSize();

        /** Lines of {@code status.logTail}. */
        int tailLines();

        /** Bytes of {@code status.logTail} at most. */
        int tailBytes();
    }

    /**
     * Leader election on a Lease: of several replicas one leads (reconciles, writes, talks to builders) and the others
     * stand by with warm caches until the Lease is free.
     */
    interface LeaderElection {
        String leaseName();

        /** Empty: the operator's own namespace (the Kubernetes client's namespace, in a pod its service account's). */
        Optional<String> leaseNamespace();

        /** Empty: the pod name ({@code HOSTNAME}), else a random one. */
        Optional<String> identity();

        /** How long a Lease holds without renewal: a killed leader's standby takes over after at most this. */
        Duration leaseDuration();

        /** A leader that could not renew for this long stops leading (and exits, to be restarted as a standby). */
        Duration renewDeadline();

        /** How often the leader renews and a standby tries to acquire. */
        Duration retryPeriod();
    }

    /** The nixpool_* meters (docs/metrics.md). */
    interface Metrics {
        /** How often the gauges over the informer caches (queued builds, builders per state) are counted again. */
        Duration gaugeRefresh();
    }

    /**
     * Totals a builder's answers may reach; going over one ends the build with reason LimitExceeded (not retried). The
     * per-item bounds (a path, a message) are the protocol code's own.
     */
    interface BuilderLimits {
        /** Bytes of one serve reply held in memory (NAR streams are bounded by their consumers instead). */
        long maxReplyBytes();

        /** Store paths in one serve reply, references included. */
        int maxPathsPerReply();

        /** Log bytes of one build (also sent to Nix as its max-log-size, so an honest builder stops first). */
        long maxLogBytesPerBuild();
    }

    /** The SSH gateway for Nix clients (dev.nixpool.gatewayops); docs/gateway.md. */
    interface Gateway {
        boolean enabled();

        String bindAddress();

        int port();

        /** The Secret (in {@link #namespace()}) holding the gateway's host key, generated once. */
        String hostKeySecret();

        /** Where the host key Secret lives; the operator's own namespace when unset. */
        Optional<String> namespace();

        String spoolDir();

        long maxSpoolBytes();

        long maxTotalSpoolBytes();

        int maxSpoolPaths();

        long maxRequestBytes();

        int maxConnections();

        Duration idleTimeout();

        /**
         * How often the gateway asks a connected client whether it is alive ({@code keepalive@openssh.com}, which
         * every OpenSSH answers); an answer counts as activity, so a client waiting on a quiet build is not cut by
         * {@link #idleTimeout()}. Zero turns it off.
         */
        Duration keepAliveInterval();

        /** Unanswered keep-alives in a row after which a client counts as gone and is disconnected. */
        int keepAliveMaxMissed();

        /**
         * The gateway as Nix clients reach it, for the pools' machines lines in their status: a host name, address
         * or ssh_config alias (no port: Nix 2.8 takes none in a store URI). Unset: its Service's DNS name,
         * {@code nixpool-gateway.<namespace>.svc}.
         */
        Optional<String> address();

        /** How often a client waiting for its builder hears its queue position. */
        Duration queuePoll();

        /** Finished gateway builds are deleted this long after they finished. */
        Duration ttlAfterFinished();
    }
}

package dev.nixpool.status;

import dev.nixpool.nix.build.BuildStatus;
import dev.nixpool.remote.BuilderFailure;

/**
 * Every reason the operator writes, on conditions and on Events: one vocabulary, CamelCase as Kubernetes expects
 * (docs/api-reference.md and docs/troubleshooting.md list them). Nix's own build statuses keep Nix's names, so a
 * {@code Succeeded} condition says what {@code nix-build} would have said. It lives beside {@link Conditions} so that the
 * runner, the lifecycle and the reconcilers share it without depending on one another.
 */
public enum Reason {

    // scheduling (condition Scheduled)
    SCHEDULED("Scheduled"), UNSCHEDULABLE("Unschedulable"), WAITING_FOR_CAPACITY("WaitingForCapacity"),
    /** A lost builder's backoff: the build is back in the queue, no longer assigned. */
    RETRYING("Retrying"), INVALID_SPEC("InvalidSpec"), SPEC_VALID("SpecValid"),
    /** The operator cannot read the object (a field of a type it does not know): it leaves it alone. */
    UNREADABLE("Unreadable"),

    // the builder (condition BuilderReady)
    BUILDER_CREATED("BuilderCreated"),
    /** The API server refused to create the builder pod or its key Secret (quota, Pod Security, an invalid object). */
    BUILDER_REJECTED("BuilderRejected"), WAITING_FOR_BUILDER("WaitingForBuilder"), BUILDER_NOT_READY(
            "BuilderNotReady"), BUILDER_LOST("BuilderLost"), CONNECTED("Connected"), BUILDING("Building"),
    /** The builder pod was not Ready within its pool's builderStartTimeoutSeconds. */
    BUILDER_START_TIMEOUT("BuilderStartTimeout"),

    // a pool's capacity (BuildMachine Events)
    SCALED_UP("ScaledUp"), SCALED_DOWN("ScaledDown"),
    /** The BuildMachine is being deleted: it takes no new builds and waits for its running ones. */
    DRAINING("Draining"),

    // how talking to a builder failed (BuilderFailure)
    UNREACHABLE("Unreachable"), HOST_KEY_MISMATCH("HostKeyMismatch"), AUTH_REFUSED("AuthRefused"), PROTOCOL_MISMATCH(
            "ProtocolMismatch"), NIX_NOT_FOUND("NixNotFound"), PROTOCOL_ERROR("ProtocolError"), EVALUATION_FAILED(
                    "EvaluationFailed"), DERIVATION_UNAVAILABLE("DerivationUnavailable"),
    /** The builder sent more than nixpool.builder-limits allows (paths or bytes of a reply, log bytes of a build). */
    LIMIT_EXCEEDED("LimitExceeded"),

    // the operator's own verdicts on a run (condition Succeeded)
    INVALID_DERIVATION("InvalidDerivation"), DERIVATION_MISMATCH("DerivationMismatch"),
    /** spec.timeoutSeconds passed; also Nix's TimedOut (the same word for the same thing). */
    TIMED_OUT("TimedOut"), CANCELLED("Cancelled"),
    /** The operator failed in a way the lifecycle does not handle: a bug, or an API server that kept failing. */
    INTERNAL_ERROR("InternalError"),
    // copying outputs to copyTo
    UPLOADING("Uploading"), UPLOAD_RETRYING("UploadRetrying"), UPLOADED("Uploaded"), UPLOAD_FAILED("UploadFailed"),

    // Nix's BuildResult::Status names (condition Succeeded), see fromNixStatus
    BUILT("Built"), SUBSTITUTED("Substituted"), ALREADY_VALID("AlreadyValid"), PERMANENT_FAILURE(
            "PermanentFailure"), INPUT_REJECTED("InputRejected"), OUTPUT_REJECTED("OutputRejected"), TRANSIENT_FAILURE(
                    "TransientFailure"), CACHED_FAILURE("CachedFailure"), MISC_FAILURE(
                            "MiscFailure"), DEPENDENCY_FAILED("DependencyFailed"), LOG_LIMIT_EXCEEDED(
                                    "LogLimitExceeded"), NOT_DETERMINISTIC(
                                            "NotDeterministic"), RESOLVES_TO_ALREADY_VALID(
                                                    "ResolvesToAlreadyValid"), NO_SUBSTITUTERS("NoSubstituters");

    private final String value;

    Reason(String value) {
        this.value = value;
    }

    /** The reason as written to a condition or Event. */
    public String value() {
        return value;
    }

    @Override
    public String toString() {
        return value;
    }

    /** Nix's verdict, under Nix's name. The switch is exhaustive: a status a newer Nix adds fails the compile here. */
    public static Reason fromNixStatus(BuildStatus status) {
        return switch (status) {
            case BUILT -> BUILT;
            case SUBSTITUTED -> SUBSTITUTED;
            case ALREADY_VALID -> ALREADY_VALID;
            case PERMANENT_FAILURE -> PERMANENT_FAILURE;
            case INPUT_REJECTED -> INPUT_REJECTED;
            case OUTPUT_REJECTED -> OUTPUT_REJECTED;
            case TRANSIENT_FAILURE -> TRANSIENT_FAILURE;
            case CACHED_FAILURE -> CACHED_FAILURE;
            case TIMED_OUT -> TIMED_OUT;
            case MISC_FAILURE -> MISC_FAILURE;
            case DEPENDENCY_FAILED -> DEPENDENCY_FAILED;
            case LOG_LIMIT_EXCEEDED -> LOG_LIMIT_EXCEEDED;
            case NOT_DETERMINISTIC -> NOT_DETERMINISTIC;
            case RESOLVES_TO_ALREADY_VALID -> RESOLVES_TO_ALREADY_VALID;
            case NO_SUBSTITUTERS -> NO_SUBSTITUTERS;
        };
    }

    /** Why a session with a builder failed. */
    public static Reason fromBuilderFailure(BuilderFailure failure) {
        return switch (failure) {
            case UNREACHABLE -> UNREACHABLE;
            case HOST_KEY_MISMATCH -> HOST_KEY_MISMATCH;
            case AUTH_REFUSED -> AUTH_REFUSED;
            case PROTOCOL_MISMATCH -> PROTOCOL_MISMATCH;
            case NIX_NOT_FOUND -> NIX_NOT_FOUND;
            case PROTOCOL_ERROR -> PROTOCOL_ERROR;
            case EVALUATION_FAILED -> EVALUATION_FAILED;
            case DERIVATION_UNAVAILABLE -> DERIVATION_UNAVAILABLE;
            case LIMIT_EXCEEDED -> LIMIT_EXCEEDED;
        };
    }
}

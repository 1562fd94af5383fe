package dev.nixpool.api.v1alpha1;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "[has(self.derivation), has(self.expression), has(self.flake)].filter(x, x).size() == 1", message = "exactly one of derivation, expression or flake must be set", reason = "FieldValueInvalid")
@ValidationRule(value = "self == oldSelf", message = NixBuildSpec.IMMUTABLE, reason = "FieldValueForbidden")
public class NixBuildSpec {

    /**
     * A build's status (outputs, log, verdict) describes the spec it was built from: an edit mid-build would attribute
     * them to another spec, so the spec cannot change once created (a CEL transition rule, checked on every update).
     */
    public static final String IMMUTABLE = "spec is immutable: a NixBuild's status and outputs belong to the spec it was created with; delete it and create a new NixBuild instead";

    @Pattern(ApiPatterns.DRV_PATH)
    @JsonPropertyDescription("Store path of the derivation to build (/nix/store/<hash>-<name>.drv); the builder fetches it from the substituters.")
    private String derivation;

    @Size(min = 1, max = 65536)
    @JsonPropertyDescription("Nix expression text that evaluates to one derivation; evaluated on the builder.")
    private String expression;

    @Pattern(ApiPatterns.FLAKE)
    @Size(min = 1, max = 4096)
    @JsonPropertyDescription("Flake installable, e.g. github:owner/repo#attr; evaluated on the builder. It may not start with '-' or '#' nor hold whitespace.")
    private String flake;

    @Pattern(ApiPatterns.SYSTEM)
    @Size(max = ApiPatterns.MAX_SYSTEM_LENGTH)
    @Default("x86_64-linux")
    @JsonPropertyDescription("Nix system the derivation is for. Default x86_64-linux.")
    private String system = "x86_64-linux";

    @Size(max = ApiPatterns.MAX_FEATURES)
    @JsonPropertyDescription("System features the build needs (as in the derivation's requiredSystemFeatures), e.g. kvm.")
    private List<@Pattern(ApiPatterns.FEATURE) String> requiredSystemFeatures = new ArrayList<>();

    @Pattern(ApiPatterns.OBJECT_NAME)
    @Size(max = 253)
    @JsonPropertyDescription("Name of a BuildMachine in the same namespace to pin this build to; it must still be eligible.")
    private String machine;

    @Min(1)
    @Max(604800)
    @JsonPropertyDescription("Wall-clock limit of the build in seconds (Nix's buildTimeout); unset means no limit.")
    private Long timeoutSeconds;

    @Min(1)
    @Max(604800)
    @JsonPropertyDescription("Fail the build after this many seconds without log output (Nix's maxSilentTime); unset means no limit.")
    private Long maxSilentSeconds;

    @Min(0)
    @Max(10)
    @Default("2")
    @JsonPropertyDescription("New attempts on a fresh builder after the builder is lost. Default 2.")
    private Integer retries = 2;

    @Size(max = 16)
    @JsonPropertyDescription("Binary caches the builder may substitute from (e.g. https://cache.nixos.org).")
    private List<@Pattern("^(https?|s3|file)://.+$") @Size(max = 2048) String> substituters = new ArrayList<>();

    @Size(max = 16)
    @JsonPropertyDescription("Public keys that sign the substituters' paths, e.g. cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY=.")
    private List<@Pattern("^[^:\\s]+:[A-Za-z0-9+/]+=*$") @Size(max = 512) String> trustedPublicKeys = new ArrayList<>();

    @JsonPropertyDescription("Copy the outputs and their closure to this store once built, signed by the operator; overrides the BuildMachine's copyTo. The build succeeds only when the copy did.")
    private CopyTo copyTo;

    public CopyTo getCopyTo() {
        return copyTo;
    }

    public void setCopyTo(CopyTo copyTo) {
        this.copyTo = copyTo;
    }

    public String getDerivation() {
        return derivation;
    }

    public void setDerivation(String derivation) {
        this.derivation = derivation;
    }

    public String getExpression() {
        return expression;
    }

    public void setExpression(String expression) {
        this.expression = expression;
    }

    public String getFlake() {
        return flake;
    }

    public void setFlake(String flake) {
        this.flake = flake;
    }

    public String getSystem() {
        return system;
    }

    public void setSystem(String system) {
        this.system = system;
    }

    public List<String> getRequiredSystemFeatures() {
        return requiredSystemFeatures;
    }

    public void setRequiredSystemFeatures(List<String> requiredSystemFeatures) {
        this.requiredSystemFeatures = requiredSystemFeatures;
    }

    public String getMachine() {
        return machine;
    }

    public void setMachine(String machine) {
        this.machine = machine;
    }

    public Long getTimeoutSeconds() {
        return timeoutSeconds;
    }

    public void setTimeoutSeconds(Long timeoutSeconds) {
        this.timeoutSeconds = timeoutSeconds;
    }

    public Long getMaxSilentSeconds() {
        return maxSilentSeconds;
    }

    public void setMaxSilentSeconds(Long maxSilentSeconds) {
        this.maxSilentSeconds = maxSilentSeconds;
    }

    public Integer getRetries() {
        return retries;
    }

    public void setRetries(Integer retries) {
        this.retries = retries;
    }

    public List<String> getSubstituters() {
        return substituters;
    }

    public void setSubstituters(List<String> substituters) {
        this.substituters = substituters;
    }

    public List<String> getTrustedPublicKeys() {
        return trustedPublicKeys;
    }

    public void setTrustedPublicKeys(List<String> trustedPublicKeys) {
        this.trustedPublicKeys = trustedPublicKeys;
    }
}

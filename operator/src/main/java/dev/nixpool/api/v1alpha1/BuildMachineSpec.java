package dev.nixpool.api.v1alpha1;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.model.annotation.SpecReplicas;

@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = BuildMachineSpec.MIN_IDLE_RULE, message = BuildMachineSpec.MIN_IDLE_MESSAGE, reason = "FieldValueInvalid")
public class BuildMachineSpec {

    static final String MIN_IDLE_RULE = "!has(self.minIdle) || !has(self.maxBuilders) || self.minIdle <= self.maxBuilders";
    static final String MIN_IDLE_MESSAGE = "minIdle must not exceed maxBuilders";

    static final String FEATURE_KEYS_RULE = "self.all(f, f.matches('" + ApiPatterns.FEATURE + "'))";
    static final String FEATURE_KEYS_MESSAGE = "featurePlacement keys must be system feature names matching "
            + ApiPatterns.FEATURE;

    @Required
    @Size(min = 1, max = ApiPatterns.MAX_SYSTEMS)
    @JsonPropertyDescription("Nix systems the builders build for, e.g. x86_64-linux (Nix's machines-file field 2).")
    private List<@Pattern(ApiPatterns.SYSTEM) @Size(max = ApiPatterns.MAX_SYSTEM_LENGTH) String> systems = new ArrayList<>();

    @Min(1)
    @Max(1024)
    @Default("1")
    @JsonPropertyDescription("Builds one builder runs at once (Nix's maxJobs). Default 1.")
    private Integer maxJobs = 1;

    @Min(value = 0, inclusive = false)
    @Default("1")
    @JsonPropertyDescription("Relative speed of this pool's builders; among free pools the lowest load/speedFactor wins. Default 1.")
    private Double speedFactor = 1.0;

    @Size(max = ApiPatterns.MAX_FEATURES)
    @JsonPropertyDescription("System features the builders offer, e.g. kvm, big-parallel, nixos-test, benchmark.")
    private List<@Pattern(ApiPatterns.FEATURE) String> supportedFeatures = new ArrayList<>();

    @Size(max = ApiPatterns.MAX_FEATURES)
    @JsonPropertyDescription("Features a build must request to be sent here: a pool with mandatory features takes only builds that ask for all of them.")
    private List<@Pattern(ApiPatterns.FEATURE) String> mandatoryFeatures = new ArrayList<>();

    @JsonPropertyDescription("The builder pod template: image, resources, placement and environment.")
    private BuilderTemplate template = new BuilderTemplate();

    @JsonPropertyDescription("Per-feature placement overriding the operator's defaults: node selector, tolerations and extra resource requests a builder gets when a build requires the feature.")
    @Size(max = ApiPatterns.MAX_FEATURES)
    // map keys get no pattern from the generator, so a CEL rule checks them; maxProperties bounds its cost
    @ValidationRule(value = FEATURE_KEYS_RULE, message = FEATURE_KEYS_MESSAGE, reason = "FieldValueInvalid")
    private Map<String, FeaturePlacement> featurePlacement = new LinkedHashMap<>();

    @Min(1)
    @Max(1000)
    @Default("10")
    @JsonPropertyDescription("Cap on builder pods of this pool alive at once. Default 10.")
    private Integer maxBuilders = 10;

    @Default("true")
    @JsonPropertyDescription("true: one build per builder pod, deleted when the build ends. false: builders are reused, each running up to maxJobs builds at once and keeping its Nix store between builds. Default true.")
    private Boolean ephemeral = true;

    @Min(0)
    @Max(1000)
    @Default("0")
    @SpecReplicas
    @JsonPropertyDescription("Builders kept started, Ready and idle, so that a build starts on one at once; 0 lets the pool scale to zero pods. The scale subresource sets it. Default 0.")
    private Integer minIdle = 0;

    @Min(0)
    @Max(604800)
    @Default("300")
    @JsonPropertyDescription("A builder without a build for this long is stopped, never below minIdle. Default 300.")
    private Long idleTimeoutSeconds = 300L;

    @Min(1)
    @Max(86400)
    @Default("600")
    @JsonPropertyDescription("A builder pod not Ready this long after its creation is given up: its build's attempt ends with the pod's own reason (unschedulable, image pull, crash loop) and the build is retried or fails. Default 600.")
    private Long builderStartTimeoutSeconds = 600L;

    @Min(1)
    @JsonPropertyDescription("Reusable builders only: a builder is replaced after serving this many builds. Unset: never.")
    private Integer maxBuildsPerBuilder;

    @Size(max = 16)
    @JsonPropertyDescription("Binary caches every builder of the pool substitutes from (a NixBuild's own spec.substituters are added for its build), e.g. https://cache.nixos.org.")
    private List<@Pattern("^(https?|s3|file)://.+$") @Size(max = 2048) String> substituters = new ArrayList<>();

    @Size(max = 16)
    @JsonPropertyDescription("Public keys that sign the pool's substituters' paths (a NixBuild's own spec.trustedPublicKeys are added for its build).")
    private List<@Pattern("^[^:\\s]+:[A-Za-z0-9+/]+=*$") @Size(max = 512) String> trustedPublicKeys = new ArrayList<>();

    @JsonPropertyDescription("The builders' Nix store: garbage collection bounds and an optional volume claim per builder slot.")
    private BuilderStore store;

    @JsonPropertyDescription("Where builds of this pool copy their outputs once built (a NixBuild's own spec.copyTo replaces it): a binary cache that fills as the pool builds, signed by the operator.")
    private CopyTo copyTo;

    public CopyTo getCopyTo() {
        return copyTo;
    }

    public void setCopyTo(CopyTo copyTo) {
        this.copyTo = copyTo;
    }

    public List<String> getSystems() {
        return systems;
    }

    public void setSystems(List<String> systems) {
        this.systems = systems;
    }

    public Integer getMaxJobs() {
        return maxJobs;
    }

    public void setMaxJobs(Integer maxJobs) {
        this.maxJobs = maxJobs;
    }

    public Double getSpeedFactor() {
        return speedFactor;
    }

    public void setSpeedFactor(Double speedFactor) {
        this.speedFactor = speedFactor;
    }

    public List<String> getSupportedFeatures() {
        return supportedFeatures;
    }

    public void setSupportedFeatures(List<String> supportedFeatures) {
        this.supportedFeatures = supportedFeatures;
    }

    public List<String> getMandatoryFeatures() {
        return mandatoryFeatures;
    }

    public void setMandatoryFeatures(List<String> mandatoryFeatures) {
        this.mandatoryFeatures = mandatoryFeatures;
    }

    public BuilderTemplate getTemplate() {
        return template;
    }

    public void setTemplate(BuilderTemplate template) {
        this.template = template;
    }

    public Map<String, FeaturePlacement> getFeaturePlacement() {
        return featurePlacement;
    }

    public void setFeaturePlacement(Map<String, FeaturePlacement> featurePlacement) {
        this.featurePlacement = featurePlacement;
    }

    public Integer getMaxBuilders() {
        return maxBuilders;
    }

    public void setMaxBuilders(Integer maxBuilders) {
        this.maxBuilders = maxBuilders;
    }

    public Integer getMinIdle() {
        return minIdle;
    }

    public void setMinIdle(Integer minIdle) {
        this.minIdle = minIdle;
    }

    public Long getIdleTimeoutSeconds() {
        return idleTimeoutSeconds;
    }

    public void setIdleTimeoutSeconds(Long idleTimeoutSeconds) {
        this.idleTimeoutSeconds = idleTimeoutSeconds;
    }

    public Long getBuilderStartTimeoutSeconds() {
        return builderStartTimeoutSeconds;
    }

    public void setBuilderStartTimeoutSeconds(Long builderStartTimeoutSeconds) {
        this.builderStartTimeoutSeconds = builderStartTimeoutSeconds;
    }

    public Integer getMaxBuildsPerBuilder() {
        return maxBuildsPerBuilder;
    }

    public void setMaxBuildsPerBuilder(Integer maxBuildsPerBuilder) {
        this.maxBuildsPerBuilder = maxBuildsPerBuilder;
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

    public BuilderStore getStore() {
        return store;
    }

    public void setStore(BuilderStore store) {
        this.store = store;
    }

    public Boolean getEphemeral() {
        return ephemeral;
    }

    public void setEphemeral(Boolean ephemeral) {
        this.ephemeral = ephemeral;
    }
}

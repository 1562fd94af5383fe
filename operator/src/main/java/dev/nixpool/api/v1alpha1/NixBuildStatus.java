package dev.nixpool.api.v1alpha1;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.kubernetes.api.model.Condition;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class NixBuildStatus {

    @JsonPropertyDescription("Pending, Scheduled, Building, Uploading (built, copying to copyTo), Succeeded or Failed.")
    private NixBuildPhase phase;

    @JsonPropertyDescription("The BuildMachine chosen for this build.")
    private String machine;

    @JsonPropertyDescription("The builder pod running (or that ran) the current attempt.")
    private String builder;

    @JsonPropertyDescription("Place in the pool's queue while waiting for capacity (1 = next).")
    private Integer queuePosition;

    @JsonPropertyDescription("The resolved derivation store path.")
    private String derivation;

    @JsonPropertyDescription("The build's outputs.")
    private List<BuildOutput> outputs = new ArrayList<>();

    @JsonPropertyDescription("Nix's build result, e.g. Built, PermanentFailure, TimedOut.")
    private String buildStatus;

    @JsonPropertyDescription("Attempts started so far.")
    private Integer attempts;

    @JsonPropertyDescription("When the first attempt started (RFC 3339).")
    private String startTime;

    @JsonPropertyDescription("When the build ended (RFC 3339).")
    private String completionTime;

    @JsonPropertyDescription("How long the build took, from its creation to its end (e.g. 1m4s), for kubectl's Duration column.")
    private String duration;

    @JsonPropertyDescription("The last lines of the build log.")
    private String logTail;

    @JsonPropertyDescription("Scheduled, BuilderReady and Succeeded, with reasons and messages.")
    private List<Condition> conditions = new ArrayList<>();

    @JsonPropertyDescription("The generation this status describes.")
    private Long observedGeneration;

    public NixBuildPhase getPhase() {
        return phase;
    }

    public void setPhase(NixBuildPhase phase) {
        this.phase = phase;
    }

    public String getMachine() {
        return machine;
    }

    public void setMachine(String machine) {
        this.machine = machine;
    }

    public String getBuilder() {
        return builder;
    }

    public void setBuilder(String builder) {
        this.builder = builder;
    }

    public Integer getQueuePosition() {
        return queuePosition;
    }

    public void setQueuePosition(Integer queuePosition) {
        this.queuePosition = queuePosition;
    }

    public String getDerivation() {
        return derivation;
    }

    public void setDerivation(String derivation) {
        this.derivation = derivation;
    }

    public List<BuildOutput> getOutputs() {
        return outputs;
    }

    public void setOutputs(List<BuildOutput> outputs) {
        this.outputs = outputs;
    }

    public String getBuildStatus() {
        return buildStatus;
    }

    public void setBuildStatus(String buildStatus) {
        this.buildStatus = buildStatus;
    }

    public Integer getAttempts() {
        return attempts;
    }

    public void setAttempts(Integer attempts) {
        this.attempts = attempts;
    }

    public String getStartTime() {
        return startTime;
    }

    public void setStartTime(String startTime) {
        this.startTime = startTime;
    }

    public String getCompletionTime() {
        return completionTime;
    }

    public void setCompletionTime(String completionTime) {
        this.completionTime = completionTime;
    }

    public String getDuration() {
        return duration;
    }

    public void setDuration(String duration) {
        this.duration = duration;
    }

    public String getLogTail() {
        return logTail;
    }

    public void setLogTail(String logTail) {
        this.logTail = logTail;
    }

    public List<Condition> getConditions() {
        return conditions;
    }

    public void setConditions(List<Condition> conditions) {
        this.conditions = conditions;
    }

    public Long getObservedGeneration() {
        return observedGeneration;
    }

    public void setObservedGeneration(Long observedGeneration) {
        this.observedGeneration = observedGeneration;
    }
}

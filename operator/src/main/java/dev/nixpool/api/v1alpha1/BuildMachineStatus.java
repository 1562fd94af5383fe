package dev.nixpool.api.v1alpha1;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.model.annotation.LabelSelector;
import io.fabric8.kubernetes.model.annotation.StatusReplicas;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class BuildMachineStatus {

    @JsonPropertyDescription("Ready: the pool's spec is valid and the operator is serving it.")
    private List<Condition> conditions = new ArrayList<>();

    @JsonPropertyDescription("The generation this status describes.")
    private Long observedGeneration;

    @JsonPropertyDescription("Builder pods of this pool alive now: starting, idle, busy and draining ones.")
    private Integer builders = 0;

    @JsonPropertyDescription("Builder pods not Ready yet.")
    private Integer startingBuilders = 0;

    @StatusReplicas
    @JsonPropertyDescription("Builder pods Ready and without a build: the warm capacity minIdle asks for.")
    private Integer idleBuilders = 0;

    @JsonPropertyDescription("Builder pods running a build now.")
    private Integer busyBuilders = 0;

    @LabelSelector
    @JsonPropertyDescription("The label selector of this pool's builder pods (for the scale subresource).")
    private String selector;

    @JsonPropertyDescription("NixBuilds waiting for capacity in this pool.")
    private Integer queued = 0;

    @JsonPropertyDescription("spec.systems joined with commas, for kubectl's Systems column.")
    private String systemsSummary;

    @JsonPropertyDescription("The features the pool offers (supported, then mandatory ones not also listed as supported) joined with commas, for kubectl's Features column.")
    private String featuresSummary;

    @JsonPropertyDescription("This pool's line for a Nix machines file (nix.conf builders, nix.buildMachines) through the SSH gateway: store URI ssh://<pool>@<gateway address>, systems, maxJobs (maxBuilders x maxJobs), speedFactor, supported and mandatory features and the gateway's host key in base64. Absent when the gateway is off.")
    private String machinesLine;

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

    public Integer getBuilders() {
        return builders;
    }

    public void setBuilders(Integer builders) {
        this.builders = builders;
    }

    public Integer getStartingBuilders() {
        return startingBuilders;
    }

    public void setStartingBuilders(Integer startingBuilders) {
        this.startingBuilders = startingBuilders;
    }

    public Integer getIdleBuilders() {
        return idleBuilders;
    }

    public void setIdleBuilders(Integer idleBuilders) {
        this.idleBuilders = idleBuilders;
    }

    public String getSelector() {
        return selector;
    }

    public void setSelector(String selector) {
        this.selector = selector;
    }

    public Integer getBusyBuilders() {
        return busyBuilders;
    }

    public void setBusyBuilders(Integer busyBuilders) {
        this.busyBuilders = busyBuilders;
    }

    public Integer getQueued() {
        return queued;
    }

    public void setQueued(Integer queued) {
        this.queued = queued;
    }

    public String getSystemsSummary() {
        return systemsSummary;
    }

    public void setSystemsSummary(String systemsSummary) {
        this.systemsSummary = systemsSummary;
    }

    public String getFeaturesSummary() {
        return featuresSummary;
    }

    public void setFeaturesSummary(String featuresSummary) {
        this.featuresSummary = featuresSummary;
    }

    public String getMachinesLine() {
        return machinesLine;
    }

    public void setMachinesLine(String machinesLine) {
        this.machinesLine = machinesLine;
    }
}

package dev.nixpool.api.v1alpha1;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Toleration;

/** Where a builder must run, and what extra it needs, when a build requires one system feature. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class FeaturePlacement {

    static final String RESOURCES_RULE = "self.all(r, isQuantity(string(self[r])))";
    static final String RESOURCES_MESSAGE = "resources must be Kubernetes quantities, e.g. 1, 500m or 2Gi";

    @JsonPropertyDescription("Node labels the builder pod must match.")
    private Map<String, String> nodeSelector = new LinkedHashMap<>();

    @JsonPropertyDescription("Tolerations the builder pod gets, e.g. for tainted KVM nodes.")
    private List<Toleration> tolerations = new ArrayList<>();

    @JsonPropertyDescription("Extra resource requests (and equal limits for extended resources such as devices.kubevirt.io/kvm).")
    // the schema takes any int or string here; a bad quantity would otherwise only fail when a builder pod is made
    @Size(max = 16)
    @ValidationRule(value = RESOURCES_RULE, message = RESOURCES_MESSAGE, reason = "FieldValueInvalid")
    private Map<String, Quantity> resources = new LinkedHashMap<>();

    public Map<String, String> getNodeSelector() {
        return nodeSelector;
    }

    public void setNodeSelector(Map<String, String> nodeSelector) {
        this.nodeSelector = nodeSelector;
    }

    public List<Toleration> getTolerations() {
        return tolerations;
    }

    public void setTolerations(List<Toleration> tolerations) {
        this.tolerations = tolerations;
    }

    public Map<String, Quantity> getResources() {
        return resources;
    }

    public void setResources(Map<String, Quantity> resources) {
        this.resources = resources;
    }
}

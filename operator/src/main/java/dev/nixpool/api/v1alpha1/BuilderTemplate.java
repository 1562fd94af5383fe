package dev.nixpool.api.v1alpha1;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.Toleration;

/** What a builder pod is made from; unset fields take the operator's configured defaults. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class BuilderTemplate {

    @JsonPropertyDescription("Builder image (Nix and OpenSSH, see images/builder). Default: the operator's nixpool.builder.image.")
    private String image;

    @Pattern("^(Always|IfNotPresent|Never)$")
    @Default("IfNotPresent")
    @JsonPropertyDescription("Image pull policy: Always, IfNotPresent or Never. Default IfNotPresent.")
    private String imagePullPolicy;

    @JsonPropertyDescription("Builder container resources. Default: the operator's nixpool.builder.resources.")
    private ResourceRequirements resources;

    @JsonPropertyDescription("Node selector for every builder of the pool; per-feature selectors are added to it.")
    private Map<String, String> nodeSelector = new LinkedHashMap<>();

    @JsonPropertyDescription("Tolerations for every builder of the pool; per-feature tolerations are added to them.")
    private List<Toleration> tolerations = new ArrayList<>();

    @JsonPropertyDescription("Affinity of the builder pods.")
    private Affinity affinity;

    @JsonPropertyDescription("Extra environment variables of the builder container.")
    private List<EnvVar> env = new ArrayList<>();

    @JsonPropertyDescription("Extra labels of the builder pods (the operator's own nixpool.dev/* labels win).")
    private Map<String, String> labels = new LinkedHashMap<>();

    @JsonPropertyDescription("Extra annotations of the builder pods.")
    private Map<String, String> annotations = new LinkedHashMap<>();

    @JsonPropertyDescription("Service account of the builder pods. Its token is never mounted.")
    private String serviceAccountName;

    @JsonPropertyDescription("Priority class of the builder pods.")
    private String priorityClassName;

    public String getImage() {
        return image;
    }

    public void setImage(String image) {
        this.image = image;
    }

    public String getImagePullPolicy() {
        return imagePullPolicy;
    }

    public void setImagePullPolicy(String imagePullPolicy) {
        this.imagePullPolicy = imagePullPolicy;
    }

    public ResourceRequirements getResources() {
        return resources;
    }

    public void setResources(ResourceRequirements resources) {
        this.resources = resources;
    }

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

    public Affinity getAffinity() {
        return affinity;
    }

    public void setAffinity(Affinity affinity) {
        this.affinity = affinity;
    }

    public List<EnvVar> getEnv() {
        return env;
    }

    public void setEnv(List<EnvVar> env) {
        this.env = env;
    }

    public Map<String, String> getLabels() {
        return labels;
    }

    public void setLabels(Map<String, String> labels) {
        this.labels = labels;
    }

    public Map<String, String> getAnnotations() {
        return annotations;
    }

    public void setAnnotations(Map<String, String> annotations) {
        this.annotations = annotations;
    }

    public String getServiceAccountName() {
        return serviceAccountName;
    }

    public void setServiceAccountName(String serviceAccountName) {
        this.serviceAccountName = serviceAccountName;
    }

    public String getPriorityClassName() {
        return priorityClassName;
    }

    public void setPriorityClassName(String priorityClassName) {
        this.priorityClassName = priorityClassName;
    }
}

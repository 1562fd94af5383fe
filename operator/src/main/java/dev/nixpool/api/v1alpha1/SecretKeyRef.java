package dev.nixpool.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/** One entry of a Secret in the object's own namespace, read by the operator only (never mounted into a builder). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class SecretKeyRef {

    @Required
    @Pattern(ApiPatterns.OBJECT_NAME)
    @Size(max = 253)
    @JsonPropertyDescription("Name of the Secret, in the same namespace.")
    private String name;

    @Required
    @Pattern(ApiPatterns.SECRET_KEY)
    @Size(max = 253)
    @JsonPropertyDescription("Key of the entry in the Secret's data.")
    private String key;

    public SecretKeyRef() {
    }

    public SecretKeyRef(String name, String key) {
        this.name = name;
        this.key = key;
    }

    public String getName() {
        return name;
    }

    public void setName(String name) {
        this.name = name;
    }

    public String getKey() {
        return key;
    }

    public void setKey(String key) {
        this.key = key;
    }
}

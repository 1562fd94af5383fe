package dev.nixpool.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;

/** One output of a finished build, as Nix's path-info reports it. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class BuildOutput {

    @JsonPropertyDescription("Output name, e.g. out.")
    private String name;

    @Pattern(ApiPatterns.STORE_PATH)
    @JsonPropertyDescription("Store path of the output.")
    private String path;

    @Pattern(ApiPatterns.NAR_HASH)
    @JsonPropertyDescription("NAR hash as Nix prints it: sha256:<nix32>.")
    private String narHash;

    @Min(0)
    @JsonPropertyDescription("NAR size in bytes.")
    private Long narSize;

    @Size(max = 2048)
    @JsonPropertyDescription("The copyTo destination this output (with its closure) was copied to, once it arrived.")
    private String copiedTo;

    @Size(max = 256)
    @JsonPropertyDescription("Name of the key the operator signed the copied output with (the part of the signing key before ':').")
    private String signedBy;

    public BuildOutput() {
    }

    public BuildOutput(String name, String path, String narHash, Long narSize) {
        this.name = name;
        this.path = path;
        this.narHash = narHash;
        this.narSize = narSize;
    }

    public String getName() {
        return name;
    }

    public void setName(String name) {
        this.name = name;
    }

    public String getPath() {
        return path;
    }

    public void setPath(String path) {
        this.path = path;
    }

    public String getNarHash() {
        return narHash;
    }

    public void setNarHash(String narHash) {
        this.narHash = narHash;
    }

    public Long getNarSize() {
        return narSize;
    }

    public void setNarSize(Long narSize) {
        this.narSize = narSize;
    }

    public String getCopiedTo() {
        return copiedTo;
    }

    public void setCopiedTo(String copiedTo) {
        this.copiedTo = copiedTo;
    }

    public String getSignedBy() {
        return signedBy;
    }

    public void setSignedBy(String signedBy) {
        this.signedBy = signedBy;
    }
}

package dev.nixpool.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * Where a build's outputs (with their closure) are copied once built: a binary cache, signed by the operator with the
 * key of {@link #signingKeySecretRef}. Neither the key nor the credentials ever reach a builder.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = CopyTo.NO_URI_SECRETS_RULE, message = CopyTo.NO_URI_SECRETS_MESSAGE, reason = "FieldValueInvalid")
@ValidationRule(value = CopyTo.COMPRESSION_ONCE_RULE, message = CopyTo.COMPRESSION_ONCE_MESSAGE, reason = "FieldValueInvalid")
@ValidationRule(value = CopyTo.S3_CREDENTIALS_RULE, message = CopyTo.S3_CREDENTIALS_MESSAGE, reason = "FieldValueRequired")
public class CopyTo {

    static final String NO_URI_SECRETS_RULE = "!self.uri.matches('[?&](secret-key|profile)=')";
    static final String NO_URI_SECRETS_MESSAGE = "uri must not carry secret-key= or profile=: the signing key and "
            + "credentials come from signingKeySecretRef and credentialsSecretRef";
    static final String COMPRESSION_ONCE_RULE = "!has(self.compression) || !self.uri.matches('[?&]compression=')";
    static final String COMPRESSION_ONCE_MESSAGE = "set compression either in the uri or in the compression field, not both";
    static final String S3_CREDENTIALS_RULE = "!(self.uri.startsWith('s3://') || self.uri.startsWith('ssh://') || self.uri.startsWith('ssh-ng://')) || has(self.credentialsSecretRef)";
    static final String S3_CREDENTIALS_MESSAGE = "an s3://, ssh:// or ssh-ng:// destination needs credentialsSecretRef (accessKeyId and secretAccessKey; sshPrivateKey and sshHostKey)";

    @Required
    @Pattern(ApiPatterns.COPY_TO_URI)
    @Size(max = 2048)
    @JsonPropertyDescription("Destination store URI: file:///path, s3://bucket?region=R&endpoint=E, http(s)://host/path (a cache that takes PUTs), ssh://user@host[:port] (another Nix store, written over the serve protocol) or ssh-ng://user@host[:port] (another Nix store, written through its nix-daemon --stdio; it must trust the signing key).")
    private String uri;

    @Required
    @JsonPropertyDescription("The Secret entry holding the Nix signing key (name:base64, as nix-store --generate-binary-cache-key writes it). The operator signs every uploaded path with it.")
    private SecretKeyRef signingKeySecretRef;

    @JsonPropertyDescription("The Secret with the destination's credentials: accessKeyId, secretAccessKey (and sessionToken) for s3://; authorization, or token, or username and password for http(s)://; sshPrivateKey and sshHostKey (the host's public key line, pinned) for ssh:// and ssh-ng://.")
    private SecretRef credentialsSecretRef;

    @JsonPropertyDescription("Compression of the NARs in a binary cache: xz (the default, as Nix), zstd or none. Also settable as the uri's compression= parameter.")
    private Compression compression;

    public CopyTo() {
    }

    public CopyTo(String uri, SecretKeyRef signingKeySecretRef) {
        this.uri = uri;
        this.signingKeySecretRef = signingKeySecretRef;
    }

    public String getUri() {
        return uri;
    }

    public void setUri(String uri) {
        this.uri = uri;
    }

    public SecretKeyRef getSigningKeySecretRef() {
        return signingKeySecretRef;
    }

    public void setSigningKeySecretRef(SecretKeyRef signingKeySecretRef) {
        this.signingKeySecretRef = signingKeySecretRef;
    }

    public SecretRef getCredentialsSecretRef() {
        return credentialsSecretRef;
    }

    public void setCredentialsSecretRef(SecretRef credentialsSecretRef) {
        this.credentialsSecretRef = credentialsSecretRef;
    }

    public Compression getCompression() {
        return compression;
    }

    public void setCompression(Compression compression) {
        this.compression = compression;
    }
}

package dev.nixpool.install;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.TemplateCommand;

/** The chart in deploy/helm/nixpool, rendered by Helm's own library (helm-java), as `helm template` would. */
final class Chart {

    static final String RELEASE = "nixpool";
    static final String NAMESPACE = "nixpool-system";

    private Chart() {
    }

    static Path dir() {
        return Manifests.repoRoot().resolve("deploy/helm/nixpool");
    }

    /** {@code helm template nixpool deploy/helm/nixpool -n nixpool-system [--set k=v ...]} */
    static List<JsonNode> template(Map<String, Object> set) {
        TemplateCommand command = new Helm(dir()).template().withName(RELEASE).withNamespace(NAMESPACE);
        set.forEach(command::set);
        return Manifests.parse(command.call());
    }

    /** {@code helm template nixpool deploy/helm/nixpool -n nixpool-system -f values} */
    static List<JsonNode> template(Path values) {
        return Manifests.parse(
                new Helm(dir()).template().withName(RELEASE).withNamespace(NAMESPACE).withValuesFile(values).call());
    }
}

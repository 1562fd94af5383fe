package dev.nixpool.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import javax.xml.parsers.DocumentBuilderFactory;

import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * The module arrows, read from the poms: the Nix protocol library needs nothing but the JDK at run time, and the SSH
 * module knows nothing of Kubernetes or Quarkus. The compiler then refuses any import that would break them.
 */
class ModuleBoundariesTest {

    private static final Path REPO = Path.of(System.getProperty("nixpool.repo.root"));

    @Test
    void theNixProtocolLibraryHasNoRuntimeDependencyAtAll() throws Exception {
        assertThat(dependencies("nix-protocol")).as("non-test dependencies of nix-protocol")
                .filteredOn(d -> !d.endsWith(":test")).isEmpty();
    }

    @Test
    void theSshModuleDependsOnTheProtocolLibraryAndMinaOnly() throws Exception {
        assertThat(dependencies("ssh")).filteredOn(d -> !d.endsWith(":test"))
                .containsExactlyInAnyOrder("dev.nixpool:nixpool-nix-protocol:compile",
                        "org.apache.sshd:sshd-core:compile", "net.i2p.crypto:eddsa:compile");
    }

    @Test
    void theOperatorDoesNotDependOnTheLocalClusterOrTheMockServer() throws Exception {
        assertThat(dependencies("operator")).filteredOn(d -> !d.endsWith(":test"))
                .noneMatch(d -> d.contains("nixpool-local") || d.contains("kubernetes-server-mock")
                        || d.contains("mockwebserver"));
    }

    /** groupId:artifactId:scope of each dependency the module's pom declares. */
    private static List<String> dependencies(String module) throws Exception {
        var doc = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(REPO.resolve(module).resolve("pom.xml").toFile());
        Element project = doc.getDocumentElement();
        List<String> result = new ArrayList<>();
        NodeList children = project.getChildNodes();
        for (int i = 0; i < children.getLength(); i++) {
            if (children.item(i) instanceof Element e && e.getTagName().equals("dependencies")) {
                NodeList deps = e.getElementsByTagName("dependency");
                for (int j = 0; j < deps.getLength(); j++) {
                    Element d = (Element) deps.item(j);
                    String scope = text(d, "scope");
                    result.add(text(d, "groupId") + ":" + text(d, "artifactId") + ":"
                            + (scope.isEmpty() ? "compile" : scope));
                }
            }
        }
        return result;
    }

    private static String text(Element parent, String tag) {
        NodeList nodes = parent.getElementsByTagName(tag);
        return nodes.getLength() == 0 ? "" : nodes.item(0).getTextContent().trim();
    }
}

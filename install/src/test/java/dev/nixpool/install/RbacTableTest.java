package dev.nixpool.install;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Least privilege, kept honest: the kustomize base, the Helm chart and the Permissions table of docs/install.md grant
 * the same rules, and each row of that table names the operator code that uses it (a class that exists) or says
 * which coming work needs it.
 */
class RbacTableTest {

    private static final Path REPO = Manifests.repoRoot();
    private static final Pattern CLASS_REF = Pattern.compile("`([a-z]+(?:\\.[a-z]+)*\\.[A-Z][A-Za-z]+)`");

    @Test
    void tableListsExactlyTheRulesOfTheKustomizeBase() throws Exception {
        assertThat(rows()).extracting(Row::rule).containsExactlyInAnyOrderElementsOf(kustomizeRules());
    }

    @Test
    void chartGrantsExactlyTheRulesOfTheKustomizeBase() throws Exception {
        List<JsonNode> docs = Chart.template(Map.of());
        List<String> chart = new ArrayList<>(Manifests.rules(Manifests.find(docs, "ClusterRole", "nixpool-operator")));
        chart.addAll(Manifests.rules(Manifests.find(docs, "Role", "nixpool-operator-leader-election")));
        assertThat(chart).containsExactlyInAnyOrderElementsOf(kustomizeRules());
    }

    @Test
    void everyRuleIsUsedByNamedCodeOrDocumentedAsNeeded() throws Exception {
        for (Row row : rows()) {
            String usedBy = row.usedBy();
            Matcher refs = CLASS_REF.matcher(usedBy);
            boolean namesCode = false;
            while (refs.find()) {
                Path source = REPO.resolve("operator/src/main/java/dev/nixpool")
                        .resolve(refs.group(1).replace('.', '/') + ".java");
                assertThat(source).as("%s names %s", row.rule(), refs.group(1)).isRegularFile();
                namesCode = true;
            }
            assertThat(namesCode || usedBy.startsWith("needed by ") || usedBy.startsWith("the operator SDK"))
                    .as("%s says which code uses it, or what needs it: %s", row.rule(), usedBy).isTrue();
        }
    }

    private record Row(String rule, String usedBy) {
    }

    /** The rows after the rbac-table marker of docs/install.md, up to the end of that table. */
    private static List<Row> rows() throws Exception {
        List<String> lines = Files.readAllLines(REPO.resolve("docs/install.md"));
        int start = 0;
        while (!lines.get(start).startsWith("<!-- rbac-table")) {
            start++;
        }
        List<Row> rows = new ArrayList<>();
        for (int i = start + 3; i < lines.size() && lines.get(i).startsWith("|"); i++) {
            String[] cells = lines.get(i).split("\\|");
            String group = unquote(cells[1]);
            String resource = unquote(cells[2]);
            String verbs = unquote(cells[3]).replace(" ", "");
            rows.add(new Row(("core".equals(group) ? "" : group) + "/" + resource + ":" + verbs, cells[4].trim()));
        }
        assertThat(rows).as("rows of the Permissions table in docs/install.md").isNotEmpty();
        return rows;
    }

    private static String unquote(String cell) {
        return cell.trim().replace("`", "");
    }

    private static List<String> kustomizeRules() throws Exception {
        List<String> rules = new ArrayList<>(Manifests.rules(Manifests.read(REPO.resolve("deploy/cluster-role.yaml"))));
        for (JsonNode doc : Manifests.parse(Files.readString(REPO.resolve("deploy/leader-election-role.yaml")))) {
            rules.addAll(Manifests.rules(doc));
        }
        return rules;
    }
}

package dev.nixpool.api.v1alpha1;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.crdv2.generator.CRDPostProcessor;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;

/**
 * Puts each CRD's printer columns in the order its class declares {@link AdditionalPrinterColumn}s. Fabric8's generator
 * collects them in a map sorted by JSON path, so without this kubectl would print them alphabetically. Both the
 * committed crds/ (CrdFiles in the tests) and the Quarkus build ({@code quarkus.operator-sdk.crd.post-processor}) run it,
 * so both produce the same CRDs.
 */
public class PrinterColumnOrder implements CRDPostProcessor {

    private static final Map<String, Class<?>> KINDS = Map.of("BuildMachine", BuildMachine.class, "NixBuild",
            NixBuild.class);

    @Override
    public HasMetadata process(HasMetadata crd, String crdSpecVersion) {
        if (crd instanceof CustomResourceDefinition definition
                && BuildMachine.GROUP.equals(definition.getSpec().getGroup())) {
            Class<?> kind = KINDS.get(definition.getSpec().getNames().getKind());
            if (kind != null) {
                List<String> declared = declaredOrder(kind);
                for (CustomResourceDefinitionVersion version : definition.getSpec().getVersions()) {
                    version.setAdditionalPrinterColumns(ordered(version.getAdditionalPrinterColumns(), declared));
                }
            }
        }
        return crd;
    }

    /** The column names in source order: repeated annotations keep their declaration order. */
    static List<String> declaredOrder(Class<?> kind) {
        return Arrays.stream(kind.getAnnotationsByType(AdditionalPrinterColumn.class))
                .map(AdditionalPrinterColumn::name)
                .toList();
    }

    private static List<CustomResourceColumnDefinition> ordered(List<CustomResourceColumnDefinition> columns,
            List<String> declared) {
        if (columns == null) {
            return null;
        }
        // columns not declared on the class (none today) keep their place after the declared ones: the sort is stable
        List<CustomResourceColumnDefinition> result = new ArrayList<>(columns);
        result.sort(Comparator.comparingInt(c -> {
            int index = declared.indexOf(c.getName());
            return index < 0 ? declared.size() : index;
        }));
        return result;
    }
}

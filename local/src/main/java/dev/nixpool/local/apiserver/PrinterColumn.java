package dev.nixpool.local.apiserver;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

/** One column of a Table: a CRD's additionalPrinterColumns entry, or the built-in Name and Age columns. */
record PrinterColumn(String name, String type, String format, String description, int priority,
        JsonPathSubset jsonPath) {

    static final PrinterColumn NAME = new PrinterColumn("Name", "string", "name",
            "Name must be unique within a namespace.", 0, JsonPathSubset.compile(".metadata.name"));
    static final PrinterColumn AGE = new PrinterColumn("Age", "date", "",
            "CreationTimestamp is a timestamp representing the server time when this object was created.", 0,
            JsonPathSubset.compile(".metadata.creationTimestamp"));

    /** Name first, then the version's printer columns; Name and Age when the version declares none. */
    static List<PrinterColumn> forCrdVersion(JsonNode crdVersion) {
        JsonNode declared = crdVersion == null ? null : crdVersion.get("additionalPrinterColumns");
        List<PrinterColumn> result = new ArrayList<>();
        result.add(NAME);
        if (declared == null || declared.isEmpty()) {
            result.add(AGE);
            return result;
        }
        for (JsonNode c : declared) {
            result.add(new PrinterColumn(c.path("name").asText(), c.path("type").asText("string"),
                    c.path("format").asText(""), c.path("description").asText(""), c.path("priority").asInt(0),
                    JsonPathSubset.compile(c.path("jsonPath").asText())));
        }
        return result;
    }

    static List<PrinterColumn> defaults() {
        return List.of(NAME, AGE);
    }
}

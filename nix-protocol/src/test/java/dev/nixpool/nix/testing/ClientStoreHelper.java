package dev.nixpool.nix.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.nixpool.nix.nar.NarWriter;
import dev.nixpool.nix.store.NixHash;
import dev.nixpool.nix.store.StorePath;
import dev.nixpool.nix.store.ValidPathInfo;
import dev.nixpool.nix.wire.NixWireException;

/** Reads what real Nix says about paths of a {@link LocalNixStore}: {@code nix path-info --json}, NARs. */
public final class ClientStoreHelper {

    private static final ObjectMapper JSON = new ObjectMapper();

    private ClientStoreHelper() {
    }

    /** {@code nix path-info --json} of one path, as a ValidPathInfo. */
    public static ValidPathInfo pathInfo(LocalNixStore store, StorePath path) throws Exception {
        JsonNode info = pathInfoJson(store, path);
        List<StorePath> refs = new ArrayList<>();
        for (JsonNode r : info.get("references")) {
            refs.add(StorePath.parse(r.asText()));
        }
        StorePath deriver = info.hasNonNull("deriver") ? StorePath.parse(info.get("deriver").asText()) : null;
        String ca = info.hasNonNull("ca") ? info.get("ca").asText() : "";
        return new ValidPathInfo(path, deriver, NixHash.parse(info.get("narHash").asText()), refs, 0,
                info.get("narSize").asLong(), false, List.of(), ca);
    }

    public static JsonNode pathInfoJson(LocalNixStore store, StorePath path) throws Exception {
        return pathInfoJson(store.runOk(pathInfoCommand(path)), path);
    }

    /**
     * The command that prints {@code nix path-info --json} for exactly {@code path}. Nix 2.8 reads a bare .drv path as
     * "its outputs", so derivations need {@code --derivation}.
     */
    public static String[] pathInfoCommand(StorePath path) {
        return path.isDerivation()
                ? new String[]{"nix", "path-info", "--json", "--derivation", path.toString()}
                : new String[]{"nix", "path-info", "--json", path.toString()};
    }

    public static JsonNode pathInfoJson(String json, StorePath path) throws IOException {
        JsonNode list = JSON.readTree(json);
        if (list.isArray()) {
            for (JsonNode n : list) {
                if (path.toString().equals(n.path("path").asText()) && n.has("narHash")) {
                    return n;
                }
            }
        }
        throw new NixWireException(
                "expected a valid path info for " + path + " from nix path-info --json, got " + json);
    }

    /** The NAR of a path of {@code store}, made by our {@link NarWriter} from the files on disk. */
    public static byte[] nar(LocalNixStore store, StorePath path) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        NarWriter.dump(store.realPath(path), out);
        return out.toByteArray();
    }

    /** Adds a file with {@code content} named {@code name} to the store; returns its store path. */
    public static StorePath addText(LocalNixStore store, String name, String content) throws Exception {
        Path dir = Files.createDirectories(store.workDir().resolve("add-" + System.nanoTime()));
        Path file = dir.resolve(name);
        Files.writeString(file, content);
        return StorePath.parse(store.runOk("nix-store", "--add", file.toString()));
    }
}

package dev.nixpool.nix.derivation;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

import dev.nixpool.nix.store.Bytewise;
import dev.nixpool.nix.wire.WireReader;
import dev.nixpool.nix.wire.WireWriter;

/**
 * The BasicDerivation wire form of serve's BuildDerivation and the worker's BuildDerivation (derivations.cc
 * writeDerivation): outputs (name, path, hashAlgo, hash), inputSrcs, platform, builder, args, env. No inputDrvs and no
 * name: the server takes the name from the drvPath sent before it.
 */
public final class BasicDerivationCodec {

    public static final int MAX_ITEMS = 1 << 16;
    public static final int MAX_STRING = 16 * 1024 * 1024;

    private BasicDerivationCodec() {
    }

    public static void write(WireWriter out, Derivation drv) throws IOException {
        out.writeU64(drv.outputs().size());
        for (Map.Entry<String, DerivationOutput> o : drv.outputs().entrySet()) {
            out.writeString(o.getKey()).writeString(o.getValue().path()).writeString(o.getValue().hashAlgo())
                    .writeString(o.getValue().hash());
        }
        out.writeStrings(drv.inputSrcs());
        out.writeString(drv.platform()).writeString(drv.builder()).writeStrings(drv.args());
        out.writeStringMap(drv.env());
    }

    public static Derivation read(WireReader in) throws IOException {
        int count = in.readInt("number of derivation outputs", MAX_ITEMS);
        SortedMap<String, DerivationOutput> outputs = new TreeMap<>(Bytewise.ORDER);
        for (int i = 0; i < count; i++) {
            String name = in.readString("derivation output name", 1024);
            outputs.put(name, new DerivationOutput(in.readString("path of output " + name, 1024),
                    in.readString("hash algorithm of output " + name, 64),
                    in.readString("hash of output " + name, 1024)));
        }
        List<String> srcs = in.readStrings("input source", MAX_ITEMS, 1024);
        String platform = in.readString("platform", 1024);
        String builder = in.readString("builder", 64 * 1024);
        List<String> args = in.readStrings("builder argument", MAX_ITEMS, MAX_STRING);
        Map<String, String> env = in.readStringMap("derivation environment", MAX_ITEMS, MAX_STRING);
        TreeSet<String> inputSrcs = new TreeSet<>(Bytewise.ORDER);
        inputSrcs.addAll(srcs);
        return new Derivation(outputs, new TreeMap<>(), inputSrcs, platform, builder, args, new TreeMap<>(env));
    }
}

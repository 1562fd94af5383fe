package dev.nixpool.remote.ssh;

import java.io.ByteArrayOutputStream;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.nixpool.nix.testing.FuzzRunner;
import dev.nixpool.nix.wire.NixWireException;
import dev.nixpool.nix.wire.WireWriter;

/** The .drv a builder sends back (DumpStorePath: a NAR holding the ATerm) may only fail with a typed error. */
class DrvFromNarFuzzTest {

    private static final String DRV = "Derive([(\"out\",\"/nix/store/0a9ddapbi3wldfn3qfxnqmc6n5gdg8dl-t\",\"\",\"\")],"
            + "[(\"/nix/store/c015dhfh5l0lp6wxyvdn7bmwhbbr6hr9-dep2.drv\",[\"cat\",\"dog\"])],"
            + "[\"/nix/store/c015dhfh5l0lp6wxyvdn7bmwhbbr6hr9-dep1\"],\"x86_64-linux\",\"/bin/sh\","
            + "[\"-c\",\"echo > $out\"],[(\"__json\",\"{\\\"requiredSystemFeatures\\\":[\\\"kvm\\\"]}\"),"
            + "(\"out\",\"/nix/store/0a9ddapbi3wldfn3qfxnqmc6n5gdg8dl-t\")])";

    @Test
    void mutatedDrvNarsGiveTypedErrors() throws Exception {
        ByteArrayOutputStream nar = new ByteArrayOutputStream();
        WireWriter out = new WireWriter(nar);
        for (String token : List.of("nix-archive-1", "(", "type", "regular", "contents", DRV, ")")) {
            out.writeString(token);
        }
        FuzzRunner.run("drv from NAR", List.of(nar.toByteArray()),
                List.of("(", ")", "type", "regular", "directory", "entry", "Derive([", "\",\"", "\\"), input -> {
                    DrvFromNar.parse(input, "/nix/store/x.drv").requiredSystemFeatures();
                }, NixWireException.class);
    }
}

package dev.nixpool.nix.derivation;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;

import org.junit.jupiter.api.Test;

import dev.nixpool.nix.testing.Fuzz;
import dev.nixpool.nix.wire.WireReader;
import dev.nixpool.nix.wire.WireTruncatedException;
import dev.nixpool.nix.wire.WireWriter;

class BasicDerivationCodecTest {

    private static byte[] encode(Derivation d) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BasicDerivationCodec.write(new WireWriter(out), d);
        return out.toByteArray();
    }

    @Test
    void roundTripsWithoutInputDrvs() throws Exception {
        Derivation drv = ATermParser.parse(ATermTest.WITH_INPUTS);
        byte[] wire = encode(drv);
        Derivation back = BasicDerivationCodec.read(new WireReader(new ByteArrayInputStream(wire)));
        assertThat(back).isEqualTo(drv.basic());
        assertThat(back.inputDrvs()).isEmpty();
        assertThat(encode(back)).isEqualTo(wire);
    }

    @Test
    void startsWithTheOutputs() throws Exception {
        byte[] wire = encode(ATermParser.parse(ATermTest.REAL));
        WireReader r = new WireReader(new ByteArrayInputStream(wire));
        assertThat(r.readU64("count")).isEqualTo(1);
        assertThat(r.readString("name")).isEqualTo("out");
        assertThat(r.readString("path")).isEqualTo("/nix/store/g9v7xy7pc4hwxmpmddw8fg8jhpqlzzps-t");
        assertThat(r.readString("algo")).isEmpty();
        assertThat(r.readString("hash")).isEmpty();
        assertThat(r.readStrings("srcs")).isEmpty();
        assertThat(r.readString("platform")).isEqualTo("x86_64-linux");
    }

    @Test
    void hostileInputGivesTypedErrors() throws Exception {
        byte[] valid = encode(ATermParser.parse(ATermTest.WITH_INPUTS));
        Fuzz.assertTruncationsFail(valid, b -> BasicDerivationCodec.read(new WireReader(new ByteArrayInputStream(b))),
                WireTruncatedException.class);
        Fuzz.assertOnlyTypedErrors(Fuzz.mutations(valid, 5, 3000),
                b -> BasicDerivationCodec.read(new WireReader(new ByteArrayInputStream(b))));
    }
}

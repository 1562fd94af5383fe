package dev.nixpool.nix.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.nixpool.nix.testing.Fuzz;

class WireCodecTest {

    private static WireReader reader(byte[] b) {
        return new WireReader(new ByteArrayInputStream(b));
    }

    @Test
    void stringsArePaddedToEightBytes() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new WireWriter(out).writeString("abc");
        assertThat(out.toByteArray()).containsExactly(3, 0, 0, 0, 0, 0, 0, 0, 'a', 'b', 'c', 0, 0, 0, 0, 0);
        assertThat(reader(out.toByteArray()).readString("s")).isEqualTo("abc");
    }

    @Test
    void mapsRoundTrip() throws Exception {
        Map<String, String> map = new LinkedHashMap<>();
        map.put("a", "1");
        map.put("key", "a longer value with \n newline");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new WireWriter(out).writeStringMap(map).writeStrings(List.of("x", "yz"));
        WireReader r = reader(out.toByteArray());
        assertThat(r.readStringMap("m", 10, 100)).containsExactlyEntriesOf(map);
        assertThat(r.readStrings("l")).containsExactly("x", "yz");
    }

    @Test
    void duplicateMapKeysAndNonZeroPaddingAreRejected() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new WireWriter(out).writeU64(2).writeString("k").writeString("1").writeString("k").writeString("2");
        assertThatThrownBy(() -> reader(out.toByteArray()).readStringMap("m", 10, 10))
                .isInstanceOf(NixWireException.class).hasMessageContaining("'k' twice");
        byte[] bad = {1, 0, 0, 0, 0, 0, 0, 0, 'a', 0, 0, 1, 0, 0, 0, 0};
        assertThatThrownBy(() -> reader(bad).readString("s")).isInstanceOf(NixWireException.class)
                .hasMessageContaining("zero padding");
    }

    @Test
    void boundsAndRangesSayWhatCame() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new WireWriter(out).writeU64(-1);
        assertThatThrownBy(() -> reader(out.toByteArray()).readString("a path", 10))
                .isInstanceOf(NixWireException.class).hasMessageContaining("a path of at most 10 bytes")
                .hasMessageContaining("18446744073709551615");
        assertThatThrownBy(() -> reader(out.toByteArray()).readBool("flag")).hasMessageContaining("0 or 1");
        assertThatThrownBy(() -> reader(out.toByteArray()).readUnsignedInt("version"))
                .hasMessageContaining("unsigned 32-bit");
    }

    @Test
    void mutatedMapsGiveTypedErrors() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new WireWriter(out).writeStringMap(Map.of("name", "value", "other", "thing"));
        byte[] valid = out.toByteArray();
        Fuzz.assertTruncationsFail(valid, b -> reader(b).readStringMap("m", 100, 1000), WireTruncatedException.class);
        Fuzz.assertOnlyTypedErrors(Fuzz.mutations(valid, 2, 2000), b -> reader(b).readStringMap("m", 100, 1000));
    }
}

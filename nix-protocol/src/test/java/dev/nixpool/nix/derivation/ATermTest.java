package dev.nixpool.nix.derivation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;

import dev.nixpool.nix.testing.Fuzz;

class ATermTest {

    /** Made by Nix 2.8's nix-instantiate (section 6 of the protocol notes). */
    static final String REAL = "Derive([(\"out\",\"/nix/store/g9v7xy7pc4hwxmpmddw8fg8jhpqlzzps-t\",\"\",\"\")],[],[],"
            + "\"x86_64-linux\",\"/bin/sh\",[\"-c\",\"echo hello > $out\"],[(\"builder\",\"/bin/sh\"),"
            + "(\"name\",\"t\"),(\"out\",\"/nix/store/g9v7xy7pc4hwxmpmddw8fg8jhpqlzzps-t\"),(\"system\",\"x86_64-linux\")])";

    static final String WITH_INPUTS = "Derive([(\"dev\",\"/nix/store/00000000000000000000000000000000-b-dev\",\"\",\"\"),"
            + "(\"out\",\"/nix/store/11111111111111111111111111111111-b\",\"\",\"\")],"
            + "[(\"/nix/store/22222222222222222222222222222222-a.drv\",[\"lib\",\"out\"])],"
            + "[\"/nix/store/33333333333333333333333333333333-src\"],\"x86_64-linux\",\"/bin/sh\","
            + "[\"-c\",\"echo \\\"q\\\" \\\\ \\t\\n\\r done\"],"
            + "[(\"requiredSystemFeatures\",\"kvm  big-parallel\"),(\"z\",\"caf\u00e9\")])";

    @Test
    void parsesARealDerivationAndWritesItBackByteForByte() throws Exception {
        Derivation drv = ATermParser.parse(REAL.getBytes(StandardCharsets.UTF_8));
        assertThat(drv.outputs()).containsOnlyKeys("out");
        assertThat(drv.outputs().get("out").path()).isEqualTo("/nix/store/g9v7xy7pc4hwxmpmddw8fg8jhpqlzzps-t");
        assertThat(drv.platform()).isEqualTo("x86_64-linux");
        assertThat(drv.builder()).isEqualTo("/bin/sh");
        assertThat(drv.args()).containsExactly("-c", "echo hello > $out");
        assertThat(drv.env()).containsEntry("name", "t").hasSize(4);
        assertThat(drv.requiredSystemFeatures()).isEmpty();
        assertThat(ATermWriter.toText(drv)).isEqualTo(REAL);
    }

    @Test
    void escapesInputsAndFeatures() throws Exception {
        Derivation drv = ATermParser.parse(WITH_INPUTS);
        assertThat(drv.args().get(1)).isEqualTo("echo \"q\" \\ \t\n\r done");
        assertThat(drv.inputDrvs()).containsOnlyKeys("/nix/store/22222222222222222222222222222222-a.drv");
        assertThat(drv.inputDrvs().values().iterator().next()).containsExactly("lib", "out");
        assertThat(drv.inputSrcs()).containsExactly("/nix/store/33333333333333333333333333333333-src");
        assertThat(drv.requiredSystemFeatures()).containsExactlyInAnyOrder("kvm", "big-parallel");
        assertThat(ATermWriter.toText(drv)).isEqualTo(WITH_INPUTS);
        assertThat(drv.basic().inputDrvs()).isEmpty();
        assertThat(drv.basic(Set.of("/nix/store/44444444444444444444444444444444-a")).inputSrcs()).hasSize(2);
    }

    @Test
    void structuredAttrsDecideTheFeatures() throws Exception {
        Derivation json = withEnv(Map.of("__json", "{\"requiredSystemFeatures\":[\"kvm\",\"nixos-test\"]}",
                "requiredSystemFeatures", "ignored"));
        assertThat(json.requiredSystemFeatures()).containsExactlyInAnyOrder("kvm", "nixos-test");
        assertThat(withEnv(Map.of("__json", "{}")).requiredSystemFeatures()).isEmpty();
        assertThatThrownBy(() -> withEnv(Map.of("__json", "{\"requiredSystemFeatures\":\"kvm\"}"))
                .requiredSystemFeatures()).isInstanceOf(DerivationFormatException.class)
                .hasMessageContaining("list of strings");
        assertThatThrownBy(() -> withEnv(Map.of("__json", "{nope")).requiredSystemFeatures())
                .isInstanceOf(DerivationFormatException.class).hasMessageContaining("JSON");
    }

    @Test
    void errorsSayWhereAndWhat() {
        assertThatThrownBy(
                () -> ATermParser.parse("Derive([(\"out\",\"relative\",\"\",\"\")],[],[],\"s\",\"b\",[],[])"))
                .isInstanceOf(DerivationFormatException.class).hasMessageContaining("absolute path");
        assertThatThrownBy(() -> ATermParser.parse("Derivation(")).hasMessageContaining("expected 'Derive(['")
                .hasMessageContaining("offset 0");
        assertThatThrownBy(() -> ATermParser.parse(REAL + "x")).hasMessageContaining("end of the derivation");
        assertThatThrownBy(() -> ATermParser.parse(new byte[]{'D', (byte) 0xff}))
                .hasMessageContaining("UTF-8");
    }

    @Test
    void truncatedAndMutatedDerivationsGiveTypedErrors() throws Exception {
        byte[] valid = WITH_INPUTS.getBytes(StandardCharsets.UTF_8);
        Fuzz.assertTruncationsFail(valid, ATermParser::parse, DerivationFormatException.class);
        Fuzz.assertOnlyTypedErrors(Fuzz.mutations(valid, 11, 3000), b -> {
            Derivation d = ATermParser.parse(b);
            // whatever parses must print and parse back to the same thing
            assertThat(ATermParser.parse(ATermWriter.toBytes(d))).isEqualTo(d);
        }, DerivationFormatException.class);
    }

    static Derivation withEnv(Map<String, String> env) {
        return new Derivation(new TreeMap<>(), new TreeMap<>(), new TreeSet<>(), "x86_64-linux", "/bin/sh", List.of(),
                new TreeMap<>(env));
    }
}

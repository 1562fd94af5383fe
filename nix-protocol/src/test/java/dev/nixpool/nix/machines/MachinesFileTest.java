package dev.nixpool.nix.machines;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;

class MachinesFileTest {

    static final String PUB = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJ1dmQhKq6rT9aZ6d5wOfJX8r8G6i4KqgQ4e8mJ3oT2V root@b";

    @Test
    void parsesAllEightFields() {
        String key = Machine.encodeHostKey(PUB);
        Machine m = MachinesFile.parseLine("ssh://builder x86_64-linux,aarch64-linux /keys/id 4 2 kvm,big-parallel"
                + " benchmark " + key);
        assertThat(m.storeUri()).isEqualTo("ssh://builder");
        assertThat(m.systems()).containsExactly("x86_64-linux", "aarch64-linux");
        assertThat(m.sshKey()).isEqualTo("/keys/id");
        assertThat(m.maxJobs()).isEqualTo(4);
        assertThat(m.speedFactor()).isEqualTo(2);
        assertThat(m.supportedFeatures()).containsExactly("big-parallel", "kvm");
        assertThat(m.mandatoryFeatures()).containsExactly("benchmark");
        assertThat(m.decodedHostKey()).isEqualTo(PUB);
        assertThat(MachinesFile.parseLine(MachinesFile.render(m))).isEqualTo(m);
    }

    @Test
    void dashesAndMissingFieldsMeanNixDefaults() {
        Machine m = MachinesFile.parseLine("builder - - - - - - -");
        assertThat(m).isEqualTo(Machine.of("builder"));
        assertThat(m.effectiveStoreUri()).isEqualTo("ssh://builder");
        assertThat(m.systems()).isEmpty();
        assertThat(m.maxJobs()).isEqualTo(1);
        assertThat(m.speedFactor()).isEqualTo(1);
        assertThat(MachinesFile.render(m)).isEqualTo("builder");
        assertThat(MachinesFile.parseLine("ssh-ng://b x86_64-linux - 1 0").speedFactor()).isEqualTo(1);
        assertThat(MachinesFile.render(MachinesFile.parseLine("b - - 1 1 - - " + Machine.encodeHostKey(PUB))))
                .isEqualTo("b - - 1 1 - - " + Machine.encodeHostKey(PUB));
    }

    @Test
    void wholeFilesSplitOnNewlinesAndSemicolonsAndDropComments() {
        String text = "# pool\nssh://a x86_64-linux ; ssh://b aarch64-linux - 2 # fast\n\n  @extra\n";
        List<Machine> machines = MachinesFile.parse(text, Map.of("extra", "ssh://c")::get);
        assertThat(machines).extracting(Machine::storeUri).containsExactly("ssh://a", "ssh://b", "ssh://c");
        assertThat(machines.get(1).maxJobs()).isEqualTo(2);
        assertThat(MachinesFile.parse(MachinesFile.render(machines))).isEqualTo(machines);
        assertThatThrownBy(() -> MachinesFile.parse("@/etc/nix/machines")).hasMessageContaining("resolver");
    }

    @Test
    void errorsNameTheEntryAndField() {
        assertThatThrownBy(() -> MachinesFile.parse("ssh://a\nssh://b - - many"))
                .isInstanceOf(MachinesFormatException.class).hasMessageContaining("entry 2")
                .hasMessageContaining("maxJobs (field 4), got 'many'");
        assertThatThrownBy(() -> MachinesFile.parseLine("a - - 1 -2")).hasMessageContaining("speedFactor");
        assertThatThrownBy(() -> MachinesFile.parseLine("a - - 1 1 - - not*base64"))
                .hasMessageContaining("base64");
        assertThatThrownBy(() -> MachinesFile.parseLine("a b c d e f g h i")).hasMessageContaining("at most 8");
        assertThatThrownBy(() -> MachinesFile.parseLine("- x86_64-linux")).hasMessageContaining("store URI");
        assertThatThrownBy(() -> new Machine("a b", List.of(), null, 1, 1, new TreeSet<>(), new TreeSet<>(), null))
                .hasMessageContaining("whitespace");
    }

    @Test
    void randomLinesParseOrFailTypedAndRenderBackToTheSameMachine() {
        Random r = new Random(5);
        String[] pieces = {"ssh://b", "x86_64-linux", "-", "4", "0", "1.5", "kvm,big", ",", "#", ";", "@x", " ",
                "\t", "99999999999", Machine.encodeHostKey(PUB), "==", "\u00e9", "a,b,-"};
        for (int i = 0; i < 5000; i++) {
            StringBuilder line = new StringBuilder();
            for (int n = r.nextInt(12); n > 0; n--) {
                line.append(pieces[r.nextInt(pieces.length)]).append(r.nextBoolean() ? " " : "");
            }
            try {
                List<Machine> parsed = MachinesFile.parse(line.toString(), f -> "");
                assertThat(MachinesFile.parse(MachinesFile.render(parsed))).isEqualTo(parsed);
            } catch (MachinesFormatException e) {
                assertThat(e.getMessage()).isNotBlank();
            }
        }
    }
}

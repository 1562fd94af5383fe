package dev.nixpool.gatewayops;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.nixpool.TestResources;
import dev.nixpool.api.v1alpha1.BuildMachine;
import dev.nixpool.nix.machines.Machine;
import dev.nixpool.nix.machines.MachinesFile;

/** Machines-file lines for pools through the gateway, read back with the machines-file parser. */
class MachinesLinesTest {

    private static final String HOST_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGq7x2C3uVf2x8D8oM4m0nqJ8o1tW2E3b5zq6v7w8x9y gw";

    @Test
    void oneLinePerPoolThenAutoWithTheGatewaysHostKey() throws Exception {
        BuildMachine small = TestResources.machine("a", "small", 3, List.of("x86_64-linux"), List.of(), List.of());
        small.getSpec().setMaxJobs(2);
        small.getSpec().setSpeedFactor(1.6);
        BuildMachine vm = TestResources.machine("a", "vm", 2, List.of("x86_64-linux"), List.of("kvm", "nixos-test"),
                List.of("kvm"));
        BuildMachine other = TestResources.machine("b", "small", 1, List.of("aarch64-linux"), List.of(), List.of());

        String file = MachinesLines.file(List.of(vm, small, other), "gw", HOST_KEY);

        List<String> lines = file.lines().filter(l -> !l.startsWith("#")).toList();
        String b64 = Base64.getEncoder().encodeToString(HOST_KEY.getBytes(StandardCharsets.UTF_8));
        assertThat(lines).containsExactly(
                "ssh://a.small@gw x86_64-linux - 6 2 - - " + b64,
                "ssh://vm@gw x86_64-linux - 2 1 kvm,nixos-test kvm " + b64,
                "ssh://b.small@gw aarch64-linux - 1 1 - - " + b64,
                "ssh://auto@gw aarch64-linux,x86_64-linux - 9 1 kvm,nixos-test - " + b64);
        List<Machine> parsed = MachinesFile.parse(file);
        assertThat(parsed).hasSize(4);
    }

    @Test
    void sshNgLinesAreTheSameLinesWithTheDaemonsScheme() throws Exception {
        BuildMachine small = TestResources.machine("a", "small", 3, List.of("x86_64-linux"), List.of(), List.of());
        BuildMachine vm = TestResources.machine("a", "vm", 2, List.of("x86_64-linux"), List.of("kvm"),
                List.of("kvm"));

        String ssh = MachinesLines.file(List.of(small, vm), MachinesLines.SSH, "gw", HOST_KEY);
        String sshNg = MachinesLines.file(List.of(small, vm), MachinesLines.SSH_NG, "gw", HOST_KEY);

        assertThat(ssh).isEqualTo(MachinesLines.file(List.of(small, vm), "gw", HOST_KEY));
        List<String> lines = sshNg.lines().filter(l -> !l.startsWith("#")).toList();
        assertThat(lines).extracting(l -> l.substring(0, l.indexOf(' ')))
                .containsExactly("ssh-ng://small@gw", "ssh-ng://vm@gw", "ssh-ng://auto@gw");
        assertThat(sshNg.replace("ssh-ng://", "ssh://")).isEqualTo(ssh);
        assertThat(MachinesFile.parse(sshNg)).extracting(Machine::storeUri)
                .containsExactly("ssh-ng://small@gw", "ssh-ng://vm@gw", "ssh-ng://auto@gw");
        org.assertj.core.api.Assertions.assertThatThrownBy(
                () -> MachinesLines.file(List.of(small), "http", "gw", HOST_KEY))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ssh-ng://");
    }
}

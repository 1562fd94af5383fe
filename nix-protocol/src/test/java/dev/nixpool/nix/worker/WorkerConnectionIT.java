package dev.nixpool.nix.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import dev.nixpool.nix.build.BuildResult;
import dev.nixpool.nix.build.BuildResultCodec;
import dev.nixpool.nix.build.BuildStatus;
import dev.nixpool.nix.derivation.ATermParser;
import dev.nixpool.nix.derivation.BasicDerivationCodec;
import dev.nixpool.nix.derivation.Derivation;
import dev.nixpool.nix.store.StorePath;
import dev.nixpool.nix.testing.LocalNixStore;
import dev.nixpool.nix.testing.NixProcess;

/** The handshake and stderr channel against a real {@code nix-daemon --stdio} (Nix 2.8) on a store of its own. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WorkerConnectionIT {

    private LocalNixStore store;

    @BeforeAll
    void createStore() throws Exception {
        store = LocalNixStore.create("worker");
    }

    @AfterAll
    void removeStore() throws Exception {
        if (store != null) {
            store.close();
        }
    }

    @Test
    void handshakeWithNix28() throws Exception {
        try (NixProcess daemon = store.start("nix-daemon", "--stdio")) {
            WorkerConnection c = new WorkerConnection(daemon.stdout(), daemon.stdin());
            List<StderrMessage> startup = new ArrayList<>();
            assertThat(c.handshake(startup::add)).isEqualTo(0x122);
            assertThat(c.daemonNixVersion()).isEqualTo("2.8.0");
            assertThat(startup).isEmpty();
        }
    }

    @Test
    void errorsArriveAsStderrError() throws Exception {
        try (NixProcess daemon = store.start("nix-daemon", "--stdio")) {
            WorkerConnection c = new WorkerConnection(daemon.stdout(), daemon.stdin());
            c.handshake(m -> {
            });
            c.writer().writeU64(WorkerProtocol.OP_IS_VALID_PATH).writeString("/tmp/not-a-store-path").flush();
            assertThatThrownBy(() -> c.awaitReply(m -> {
            })).isInstanceOfSatisfying(WorkerProtocolException.class, e -> {
                assertThat(e.error().message()).contains("/tmp/not-a-store-path").contains("not in the Nix store");
                assertThat(e.error().type()).isEqualTo("Error");
            });
        }
    }

    @Test
    void buildLogLinesAndActivitiesOfAFailingBuild() throws Exception {
        String marker = "nixpool-worker-" + System.nanoTime();
        StorePath drvPath = store.instantiate("w", "derivation { name = \"w-" + marker
                + "\"; system = builtins.currentSystem; builder = \"/bin/sh\"; args = [ \"-c\" \"echo " + marker
                + "; exit 2\" ]; }");
        Derivation drv = ATermParser.parse(Files.readAllBytes(store.realPath(drvPath)));
        try (NixProcess daemon = store.start("nix-daemon", "--stdio")) {
            WorkerConnection c = new WorkerConnection(daemon.stdout(), daemon.stdin());
            c.handshake(m -> {
            });
            c.writer().writeU64(WorkerProtocol.OP_BUILD_DERIVATION).writeString(drvPath.toString());
            BasicDerivationCodec.write(c.writer(), drv.basic());
            c.writer().writeU64(0).flush();
            List<StderrMessage> messages = new ArrayList<>();
            c.awaitReply(messages::add);
            BuildResult result = BuildResultCodec.read(c.reader(),
                    BuildResultCodec.Shape.worker(WorkerProtocol.minor(c.daemonVersion())));
            assertThat(result.status()).isEqualTo(BuildStatus.PERMANENT_FAILURE);
            assertThat(result.errorMsg()).contains("exit code 2");

            StderrMessage.StartActivity build = messages.stream()
                    .filter(m -> m instanceof StderrMessage.StartActivity a && a.type() == WorkerProtocol.ACT_BUILD)
                    .map(StderrMessage.StartActivity.class::cast).findFirst().orElseThrow();
            assertThat(build.fields().get(0)).isEqualTo(new StderrMessage.Text(drvPath.toString()));
            assertThat(messages).anySatisfy(m -> {
                assertThat(m).isInstanceOf(StderrMessage.Result.class);
                StderrMessage.Result r = (StderrMessage.Result) m;
                assertThat(r.isBuildLogLine()).isTrue();
                assertThat(r.id()).isEqualTo(build.id());
                assertThat(r.fields()).containsExactly(new StderrMessage.Text(marker));
            });
            assertThat(messages).contains(new StderrMessage.StopActivity(build.id()));
        }
    }
}

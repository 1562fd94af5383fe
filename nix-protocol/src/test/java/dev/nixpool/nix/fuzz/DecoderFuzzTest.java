package dev.nixpool.nix.fuzz;

import static dev.nixpool.nix.fuzz.Samples.P1;
import static dev.nixpool.nix.fuzz.Samples.P2;
import static dev.nixpool.nix.fuzz.Samples.path;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import dev.nixpool.nix.build.BuildOptions;
import dev.nixpool.nix.build.BuildOptionsCodec;
import dev.nixpool.nix.build.BuildResultCodec;
import dev.nixpool.nix.cache.NarInfoFormatException;
import dev.nixpool.nix.cache.NarInfoParser;
import dev.nixpool.nix.cache.NarInfoWriter;
import dev.nixpool.nix.cache.NixCacheInfo;
import dev.nixpool.nix.derivation.ATermParser;
import dev.nixpool.nix.derivation.ATermWriter;
import dev.nixpool.nix.derivation.BasicDerivationCodec;
import dev.nixpool.nix.derivation.DerivationFormatException;
import dev.nixpool.nix.json.Json;
import dev.nixpool.nix.json.JsonFormatException;
import dev.nixpool.nix.machines.MachinesFile;
import dev.nixpool.nix.machines.MachinesFormatException;
import dev.nixpool.nix.nar.ExportReader;
import dev.nixpool.nix.nar.ExportWriter;
import dev.nixpool.nix.nar.NarParser;
import dev.nixpool.nix.nar.NarVisitor;
import dev.nixpool.nix.serve.ServeClient;
import dev.nixpool.nix.serve.ServeProtocol;
import dev.nixpool.nix.serve.ServeServerHandshake;
import dev.nixpool.nix.store.StorePath;
import dev.nixpool.nix.testing.FuzzRunner;
import dev.nixpool.nix.wire.FramedInputStream;
import dev.nixpool.nix.wire.FramedOutputStream;
import dev.nixpool.nix.wire.NixWireException;
import dev.nixpool.nix.wire.ReplyBudget;
import dev.nixpool.nix.wire.ReplyLimits;
import dev.nixpool.nix.wire.WireReader;
import dev.nixpool.nix.wire.WireWriter;
import dev.nixpool.nix.worker.ClientHandshakeInfo;
import dev.nixpool.nix.worker.WorkerConnection;
import dev.nixpool.nix.worker.WorkerPathInfoCodec;
import dev.nixpool.nix.worker.WorkerServerHandshake;

/**
 * Every decoder of bytes that come from outside (a builder, a Nix client, a cache, a user's file) against
 * {@link FuzzRunner#iterations()} generated inputs: only its typed error may come out, never another exception, an
 * {@link Error} or a hang. Size attacks on whole replies are in {@link ReplySizeAttackTest}.
 */
class DecoderFuzzTest {

    static final List<String> WIRE_TOKENS = List.of("nix-archive-1", "(", ")", "type", "regular", "directory",
            "symlink", "entry", "name", "node", "contents", "target", "executable", P1, P2, Samples.DRV, "",
            "sha256:" + "0".repeat(64), "{\"outPath\":\"x\"}", "Error", "..", "/", "\0");
    static final ReplyLimits SMALL = new ReplyLimits(1 << 20, 1000);

    @Test
    void serveReplies() {
        FuzzRunner.run("serve replies", Samples.serveReplies(), WIRE_TOKENS, input -> {
            ServeClient c = new ServeClient(new ByteArrayInputStream(input), OutputStream.nullOutputStream(), SMALL);
            c.handshake();
            c.queryValidPaths(false, false, List.of(path(P1)));
            c.queryPathInfos(List.of(path(P1), path(P2)));
            c.buildDerivation(path(Samples.DRV), Samples.derivation(), BuildOptions.DEFAULTS);
            c.queryClosure(false, List.of(path(P1)));
            c.buildPaths(List.of(P1), BuildOptions.DEFAULTS);
            c.dumpStorePath(path(P1), OutputStream.nullOutputStream());
            c.importPaths(export -> {
            });
        }, NixWireException.class);
    }

    @Test
    void serveRequestsAGatewayReads() {
        FuzzRunner.run("serve requests", Samples.serveRequests(), WIRE_TOKENS, input -> {
            ReplyBudget budget = new ReplyBudget(new ByteArrayInputStream(input), SMALL);
            WireReader in = new WireReader(budget);
            int version = ServeServerHandshake.accept(in, new WireWriter(OutputStream.nullOutputStream()), 0x207);
            budget.start("BuildDerivation");
            in.readU64("command");
            StorePath.parse(in.readString("derivation path", 4096));
            BasicDerivationCodec.read(in);
            BuildOptionsCodec.read(in, ServeProtocol.minor(version));
        }, NixWireException.class);
    }

    @Test
    void workerReplies() {
        FuzzRunner.run("worker stderr and replies", Samples.workerReplies(), WIRE_TOKENS, input -> {
            WorkerConnection c = new WorkerConnection(new ByteArrayInputStream(input), OutputStream.nullOutputStream(),
                    SMALL);
            c.handshake(m -> {
            });
            c.awaitReply(m -> {
            });
            int minor = c.daemonVersion() & 0xff;
            BuildResultCodec.read(c.reader(), BuildResultCodec.Shape.worker(minor));
            WorkerPathInfoCodec.read(c.reader(), minor, new ReplyBudget(InputStream.nullInputStream(), SMALL));
        }, NixWireException.class);
    }

    @Test
    void workerHandshakesADaemonReads() {
        FuzzRunner.run("worker requests", Samples.workerRequests(), WIRE_TOKENS, input -> {
            WireReader in = new WireReader(new ByteArrayInputStream(input));
            WireWriter out = new WireWriter(OutputStream.nullOutputStream());
            WorkerServerHandshake.finish(in, out,
                    WorkerServerHandshake.accept(in, out, 0x126, Set.of("realisation-with-path-not-hash")),
                    new ClientHandshakeInfo(java.util.Optional.of("2.8.0"), java.util.Optional.empty()));
        }, NixWireException.class);
    }

    @Test
    void nars() {
        FuzzRunner.run("NAR", List.of(Samples.nar()), WIRE_TOKENS,
                input -> NarParser.parse(new ByteArrayInputStream(input), NarVisitor.IGNORE), NixWireException.class);
    }

    @Test
    void exports() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ExportWriter w = new ExportWriter(bytes);
        w.addNar(path(P1), List.of(), null, new ByteArrayInputStream(Samples.nar()));
        w.addNar(path(P2), List.of(path(P1), path(P2)), path(Samples.DRV), new ByteArrayInputStream(Samples.nar()));
        w.finish();
        FuzzRunner.run("export", List.of(bytes.toByteArray()), WIRE_TOKENS, input -> {
            ExportReader r = new ExportReader(new ByteArrayInputStream(input));
            while (r.next(OutputStream.nullOutputStream()) != null) {
                // every path is checked as it is read
            }
        }, NixWireException.class);
    }

    @Test
    void framedStreams() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (FramedOutputStream f = new FramedOutputStream(bytes, 7)) {
            f.write(Samples.nar());
        }
        FuzzRunner.run("framed stream", List.of(bytes.toByteArray()), WIRE_TOKENS,
                input -> new FramedInputStream(new ByteArrayInputStream(input))
                        .transferTo(OutputStream.nullOutputStream()),
                NixWireException.class);
    }

    @Test
    void aterms() {
        List<String> tokens = List.of("Derive(", "[", "]", "(", ")", ",", "\"", "\\", "\\n", "\\\"", "/nix/store/",
                P1, "r:sha256", "__json", "requiredSystemFeatures", "\u00e9", "\0");
        FuzzRunner.run("ATerm", List.of(utf8(Samples.ATERM), utf8(Samples.FIXED_ATERM)), tokens, input -> {
            var drv = ATermParser.parse(input);
            // what parses must print back to what parses the same
            assertThat(ATermParser.parse(ATermWriter.toBytes(drv))).isEqualTo(drv);
            drv.requiredSystemFeatures();
        }, DerivationFormatException.class);
    }

    @Test
    void narinfos() {
        String narinfo = "StorePath: " + P1
                + "\nURL: nar/1b8f9ac1a7c3d1e1ee1f3c8b8c1b8f9ac1a7c3d1e1ee1f3c8b8c1b.nar.xz\n"
                + "Compression: xz\nFileHash: sha256:" + Samples.narHash().toNix32() + "\nFileSize: 100\nNarHash: "
                + Samples.narHash().toPrefixedNix32() + "\nNarSize: 120\nReferences: " + P1.substring(11) + " "
                + P2.substring(11) + "\nDeriver: " + Samples.DRV.substring(11)
                + "\nSig: k:c2ln\nCA: fixed:r:sha256:x\n";
        List<String> tokens = List.of("\n", ": ", "StorePath", "URL", "Compression", "NarHash", "NarSize", "References",
                "Deriver", "Sig", "CA", "FileHash", "FileSize", "sha256:", "none", "zstd", " ");
        FuzzRunner.run("narinfo", List.of(utf8(narinfo)), tokens, input -> {
            // what parses must write out as text that parses back to the same (the writer sorts references)
            String written = NarInfoWriter.write(NarInfoParser.parse(new String(input, StandardCharsets.UTF_8)));
            assertThat(NarInfoWriter.write(NarInfoParser.parse(written))).isEqualTo(written);
        }, NarInfoFormatException.class);
        FuzzRunner.run("nix-cache-info", List.of(utf8("StoreDir: /nix/store\nWantMassQuery: 1\nPriority: 40\n")),
                tokens, input -> NixCacheInfo.parse(new String(input, StandardCharsets.UTF_8)),
                NarInfoFormatException.class);
    }

    @Test
    void machinesFiles() {
        String file = "# builders\nssh://builder x86_64-linux,aarch64-linux /keys/id 4 2 kvm,big-parallel benchmark "
                + "c3NoLWVkMjU1MTkgQUFBQUMzTnphQzFsWkRJMU5URTVBQUFBSUoxZG1RaEtxNnJUOWFaNmQ1d09mSlg4cjhHNmk0S3FnUTRlOG1KM29UMlYK"
                + "\nssh-ng://b?remote-store=local - - - - - -; ssh://c x86_64-linux\n";
        List<String> tokens = List.of("\n", ";", "#", " ", "\t", "-", ",", "@", "ssh://", "ssh-ng://", "0",
                "99999999999",
                "x86_64-linux");
        FuzzRunner.run("machines file", List.of(utf8(file)), tokens, input -> {
            var machines = MachinesFile.parse(new String(input, StandardCharsets.UTF_8));
            assertThat(MachinesFile.parse(MachinesFile.render(machines))).isEqualTo(machines);
        }, MachinesFormatException.class);
    }

    @Test
    void json() {
        List<String> tokens = List.of("{", "}", "[", "]", ":", ",", "\"", "\\u00", "\\", "1e999", "-0", "true", "null",
                "[[[[[[[[[[[[[[[[[[[[[[[[");
        FuzzRunner.run("JSON", List.of(utf8("{\"dependentRealisations\":{},\"id\":\"sha256:00!out\",\"outPath\":"
                + "\"g9v7xy7pc4hwxmpmddw8fg8jhpqlzzps-t\",\"signatures\":[\"k:s\"],\"n\":[1,-2.5e3,true,null]}")),
                tokens, input -> Json.parse(new String(input, StandardCharsets.UTF_8)), JsonFormatException.class);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}

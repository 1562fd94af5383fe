package dev.nixpool.nix.nar;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import dev.nixpool.nix.store.NixHash;
import dev.nixpool.nix.store.StorePath;
import dev.nixpool.nix.testing.ClientStoreHelper;
import dev.nixpool.nix.testing.LocalNixStore;

/** Our NAR and export codecs against {@code nix-store --dump/--restore/--export/--import} of Nix 2.8. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NarAgainstNixIT {

    private LocalNixStore store;
    private LocalNixStore other;

    @BeforeAll
    void createStores() throws Exception {
        store = LocalNixStore.create("nar");
        other = LocalNixStore.create("nar-import");
    }

    @AfterAll
    void removeStores() throws Exception {
        if (store != null) {
            store.close();
        }
        if (other != null) {
            other.close();
        }
    }

    @Test
    void writerMatchesNixStoreDumpAndBothRestoresAgree() throws Exception {
        Path tree = sampleTree(store.workDir().resolve("tree"));
        byte[] nix = store.run("nix-store", "--dump", tree.toString()).requireSuccess("dump").stdout();
        ByteArrayOutputStream ours = new ByteArrayOutputStream();
        NarWriter.dump(tree, ours);
        assertThat(ours.toByteArray()).isEqualTo(nix);

        Path restored = store.workDir().resolve("restored-by-us");
        NarDigest digest = NarRestorer.restore(new ByteArrayInputStream(nix), restored);
        assertThat(digest).isEqualTo(new NarDigest(NixHash.sha256Of(nix), nix.length));
        assertThat(store.run("nix-store", "--dump", restored.toString()).requireSuccess("dump").stdout())
                .isEqualTo(nix);

        Path restoredByNix = store.workDir().resolve("restored-by-nix");
        store.run(ours.toByteArray(), "nix-store", "--restore", restoredByNix.toString()).requireSuccess("restore");
        ByteArrayOutputStream again = new ByteArrayOutputStream();
        NarWriter.dump(restoredByNix, again);
        assertThat(again.toByteArray()).isEqualTo(nix);
    }

    @Test
    void singleFileNarIs120Bytes() throws Exception {
        Path file = store.workDir().resolve("hello");
        Files.writeString(file, "hello\n");
        byte[] nix = store.run("nix-store", "--dump", file.toString()).requireSuccess("dump").stdout();
        assertThat(nix).hasSize(120);
        ByteArrayOutputStream ours = new ByteArrayOutputStream();
        NarWriter.dump(file, ours);
        assertThat(ours.toByteArray()).isEqualTo(nix);
    }

    @Test
    void exportReaderReadsNixStoreExport() throws Exception {
        StorePath a = ClientStoreHelper.addText(store, "export-a", "a\n");
        StorePath b = ClientStoreHelper.addText(store, "export-b", "b\n");
        byte[] export = store.run("nix-store", "--export", a.toString(), b.toString()).requireSuccess("export")
                .stdout();
        ExportReader reader = new ExportReader(new ByteArrayInputStream(export));
        List<ExportedPath> paths = new ArrayList<>();
        ExportedPath p;
        while ((p = reader.next(null)) != null) {
            paths.add(p);
        }
        assertThat(paths).extracting(ExportedPath::path).containsExactlyInAnyOrder(a, b);
        for (ExportedPath e : paths) {
            var info = ClientStoreHelper.pathInfo(store, e.path());
            assertThat(e.nar().narHash()).isEqualTo(info.narHash());
            assertThat(e.nar().narSize()).isEqualTo(info.narSize());
            assertThat(e.references()).isEmpty();
            assertThat(e.deriver()).isNull();
        }
    }

    @Test
    void exportWriterOutputImportsIntoAnotherStore() throws Exception {
        StorePath path = ClientStoreHelper.addText(store, "import-me", "import me\n");
        ByteArrayOutputStream export = new ByteArrayOutputStream();
        ExportWriter writer = new ExportWriter(export);
        writer.addPath(path, List.of(), null, store.realPath(path));
        writer.finish();
        other.run(export.toByteArray(), "nix-store", "--import").requireSuccess("import");
        assertThat(other.run("nix-store", "--verify-path", path.toString()).exitCode()).isZero();
    }

    /** Files, an empty file, an executable, symlinks, nested and empty directories, names that sort by bytes. */
    static Path sampleTree(Path root) throws Exception {
        Files.createDirectories(root.resolve("sub/deeper"));
        Files.createDirectories(root.resolve("empty-dir"));
        Files.writeString(root.resolve("a"), "alpha\n");
        Files.writeString(root.resolve("B"), "upper case sorts first\n");
        Files.writeString(root.resolve("a-b"), "");
        Files.writeString(root.resolve("a.b"), "1234567");
        Files.writeString(root.resolve("\u00e9t\u00e9"), "non-ASCII name\n");
        Files.write(root.resolve("sub/deeper/blob"), new byte[100_003]);
        Path exe = root.resolve("sub/run.sh");
        Files.writeString(exe, "#!/bin/sh\necho hi\n");
        Files.setPosixFilePermissions(exe, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.createSymbolicLink(root.resolve("link"), Paths.get("sub/run.sh"));
        Files.createSymbolicLink(root.resolve("sub/dangling"), Paths.get("/nonexistent/target"));
        return root;
    }
}

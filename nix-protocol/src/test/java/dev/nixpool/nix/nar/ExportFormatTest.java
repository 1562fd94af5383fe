package dev.nixpool.nix.nar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.nixpool.nix.store.NixHash;
import dev.nixpool.nix.store.StorePath;
import dev.nixpool.nix.testing.Fuzz;
import dev.nixpool.nix.wire.NixWireException;
import dev.nixpool.nix.wire.WireReader;
import dev.nixpool.nix.wire.WireTruncatedException;

class ExportFormatTest {

    static final StorePath A = path("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-a");
    static final StorePath B = path("bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb-b");
    static final StorePath DRV = path("dddddddddddddddddddddddddddddddd-b.drv");

    static StorePath path(String base) {
        try {
            return StorePath.parseBaseName(base);
        } catch (NixWireException e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] export() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ExportWriter w = new ExportWriter(out);
        w.addNar(A, List.of(), null, new ByteArrayInputStream(NarTestData.nar().file("a").bytes()));
        w.addNar(B, List.of(A, B), DRV, new ByteArrayInputStream(NarTestData.nar().file("b " + A).bytes()));
        w.finish();
        return out.toByteArray();
    }

    @Test
    void roundTripsPathsReferencesAndDerivers() throws Exception {
        byte[] bytes = export();
        ExportReader r = new ExportReader(new ByteArrayInputStream(bytes));
        ByteArrayOutputStream narA = new ByteArrayOutputStream();
        ExportedPath a = r.next(narA);
        assertThat(a.path()).isEqualTo(A);
        assertThat(a.references()).isEmpty();
        assertThat(a.deriver()).isNull();
        assertThat(narA.toByteArray()).isEqualTo(NarTestData.nar().file("a").bytes());
        assertThat(a.nar().narHash()).isEqualTo(NixHash.sha256Of(narA.toByteArray()));
        ExportedPath b = r.next(null);
        assertThat(b.references()).containsExactly(A, B);
        assertThat(b.deriver()).isEqualTo(DRV);
        assertThat(r.next(null)).isNull();
        assertThat(r.next(null)).isNull();
    }

    @Test
    void layoutFollowsExportImportCc() throws Exception {
        WireReader w = new WireReader(new ByteArrayInputStream(export()));
        assertThat(w.readU64("marker")).isEqualTo(1);
        NarCopier.digest(w.stream());
        assertThat(w.readU64("magic")).isEqualTo(0x4558494eL);
        assertThat(w.readString("path")).isEqualTo(A.toString());
    }

    @Test
    void badMagicAndMarkersAreNamed() throws Exception {
        byte[] bytes = export();
        byte[] badMarker = bytes.clone();
        badMarker[0] = 2;
        assertThatThrownBy(() -> new ExportReader(new ByteArrayInputStream(badMarker)).next(null))
                .hasMessageContaining("export marker 1 or 0, got 2");
        int magicAt = 8 + NarTestData.nar().file("a").bytes().length;
        byte[] badMagic = bytes.clone();
        badMagic[magicAt] = 0;
        assertThatThrownBy(() -> new ExportReader(new ByteArrayInputStream(badMagic)).next(null))
                .hasMessageContaining("NIXE");
    }

    @Test
    void hostileExportsGiveTypedErrors() throws Exception {
        byte[] valid = export();
        Fuzz.Decoder readAll = b -> {
            ExportReader r = new ExportReader(new ByteArrayInputStream(b));
            while (r.next(null) != null) {
                // reading every path
            }
        };
        Fuzz.assertTruncationsFail(valid, readAll, WireTruncatedException.class);
        Fuzz.assertOnlyTypedErrors(Fuzz.mutations(valid, 17, 3000), readAll);
    }
}

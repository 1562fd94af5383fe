package dev.nixpool.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.nixpool.nix.cache.NarCompression;

class CacheUriTest {

    @Test
    void parsesTheSupportedDestinations() {
        CacheUri file = CacheUri.parse("file:///var/cache/nix?compression=zstd");
        assertThat(file.scheme()).isEqualTo("file");
        assertThat(file.path()).isEqualTo("/var/cache/nix");
        assertThat(file.compression()).isEqualTo(NarCompression.ZSTD);

        CacheUri s3 = CacheUri.parse("s3://my-cache?region=eu-west-1&endpoint=http://127.0.0.1:9000");
        assertThat(s3.compression()).as("Nix's default").isEqualTo(NarCompression.XZ);
        S3Location location = S3Location.of(s3.authority(), s3.params());
        assertThat(location.bucket()).isEqualTo("my-cache");
        assertThat(location.region()).isEqualTo("eu-west-1");
        assertThat(location.endpoint()).isEqualTo(URI.create("http://127.0.0.1:9000"));

        S3Location hostOnly = S3Location.of("b",
                CacheUri.parse("s3://b?endpoint=minio.local:9000&scheme=http").params());
        assertThat(hostOnly.endpoint()).isEqualTo(URI.create("http://minio.local:9000"));
        assertThat(S3Location.of("b", CacheUri.parse("s3://b").params()))
                .isEqualTo(new S3Location("b", "us-east-1", null));

        CacheUri http = CacheUri.parse("https://cache.example.org/team?compression=none");
        assertThat(http.compression()).isEqualTo(NarCompression.NONE);
        assertThat(http.toString()).isEqualTo("https://cache.example.org/team?compression=none");
    }

    @Test
    void refusesSecretsInTheUriAndWhatItCannotWrite() {
        assertThatThrownBy(() -> CacheUri.parse("file:///c?secret-key=/etc/nix/sk"))
                .hasMessageContaining("Secrets").hasMessageNotContaining("/etc/nix/sk");
        assertThatThrownBy(() -> CacheUri.parse("s3://b?profile=prod")).hasMessageContaining("Secrets");
        assertThatThrownBy(() -> CacheUri.parse("s3://b?compression=bzip2")).hasMessageContaining("xz, zstd or none");
        assertThatThrownBy(() -> CacheUri.parse("ssh-ng://builder")).hasMessageContaining("ssh-ng://user@host");
        assertThatThrownBy(() -> CacheUri.parse("ssh-ng://nix@builder?compression=xz"))
                .hasMessageContaining("without a path or parameters");
        CacheUri daemon = CacheUri.parse("ssh-ng://nix@store.example.org");
        assertThat(List.of(daemon.isDaemonStore(), daemon.isSshStore(), daemon.isNixStore()))
                .containsExactly(true, false, true);
        assertThat(List.of(daemon.sshUser(), daemon.sshHost(), String.valueOf(daemon.sshPort())))
                .containsExactly("nix", "store.example.org", "22");
        assertThatThrownBy(() -> CacheUri.parse("ssh://builder")).hasMessageContaining("ssh://user@host");
        assertThatThrownBy(() -> CacheUri.parse("ssh://nix@builder/store")).hasMessageContaining("without a path");
        CacheUri ssh = CacheUri.parse("ssh://nix@store.example.org:2222");
        assertThat(ssh.isSshStore()).isTrue();
        assertThat(List.of(ssh.sshUser(), ssh.sshHost(), String.valueOf(ssh.sshPort())))
                .containsExactly("nix", "store.example.org", "2222");
        assertThat(CacheUri.parse("ssh://nix@store").sshPort()).isEqualTo(22);
        assertThatThrownBy(() -> CacheUri.parse("file://relative")).hasMessageContaining("absolute");
        assertThatThrownBy(() -> CacheUri.parse("s3://b?narinfo-compression=xz")).hasMessageContaining("unknown");
        assertThatThrownBy(() -> new HttpCacheStore(URI.create("https://u:p@cache.example.org"), null))
                .hasMessageContaining("credentials Secret").hasMessageNotContaining("u:p");
        assertThatThrownBy(() -> CacheStores.open(CacheUri.parse("s3://b"), null, null))
                .hasMessageContaining("needs credentials");
    }

    @Test
    void objectKeysStayInsideTheCache() {
        assertThat(CacheStore.checkKey("nar/abc.nar.xz")).isEqualTo("nar/abc.nar.xz");
        for (String bad : new String[]{"", "/etc/passwd", "../x", "nar/../../x", "a//b", "..", "nar/.."}) {
            assertThatThrownBy(() -> CacheStore.checkKey(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void credentialsNeverShowInToString() {
        S3Credentials s3 = new S3Credentials("AKIAEXAMPLEKEY123456", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                "session-token-value");
        assertThat(s3.toString()).doesNotContain("wJalrXUtnFEMI").doesNotContain("AKIAEXAMPLEKEY")
                .doesNotContain("session-token-value").contains("3456");
        HttpCredentials basic = HttpCredentials.basic("uploader", "hunter2-password");
        assertThat(basic.toString()).isEqualTo("HttpCredentials[Basic hidden]");
        assertThat(basic.secrets().redact("echo: " + basic.authorization())).isEqualTo("echo: ***");
        assertThat(s3.secrets().redact("key AKIAEXAMPLEKEY123456 secret wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"))
                .isEqualTo("key *** secret ***");
    }
}

package dev.nixpool.nix.cache;

/**
 * Captured from Nix 2.8: a key pair from {@code nix-store --generate-binary-cache-key test1 sk pk} (a throwaway test
 * key) and what {@code nix copy --to 'file:///cache?secret-key=sk'} wrote for a path with one reference.
 */
final class NixCacheTestData {

    static final String SECRET_KEY = "test1:GOo6aprwvUkeDBF1wuVZCpJQoS9/ZppDT0DZQRgM3rcQMeHWUZJiyavPzU34ylpDzX/lpi5bGdY3iJvLqLcZXw==";
    static final String PUBLIC_KEY = "test1:EDHh1lGSYsmrz81N+MpaQ81/5aYuWxnWN4iby6i3GV8=";

    static final String SIG = "test1:oPPI6FWiPfso15gkyxrl1nK5kwGJxqle6oDiYqyNm42vGfL+XZlqdfvU6c4TW5RmaJziLsvGOAUI91+PuchLCQ==";

    static final String SIGNED_NARINFO = """
            StorePath: /nix/store/3fawd4g3vacbmaar5f9rm99wy1gm8jq3-t
            URL: nar/1lk2fx87ggsw1qwm1fp333bwbm3gm32ggxvfz3z2h6pglnxswym0.nar.xz
            Compression: xz
            FileHash: sha256:1lk2fx87ggsw1qwm1fp333bwbm3gm32ggxvfz3z2h6pglnxswym0
            FileSize: 172
            NarHash: sha256:0q6yj9sbg7xi8kks5cmqc38xcpprb64a18cq9d67pds7sw04di7k
            NarSize: 160
            References: z4asv3j07d89ywjf8fxkn7sg6mf5s9q5-dep
            Deriver: rifrifqb9znb9g0zqpi2xm3x1alcmrdd-t.drv
            Sig: test1:oPPI6FWiPfso15gkyxrl1nK5kwGJxqle6oDiYqyNm42vGfL+XZlqdfvU6c4TW5RmaJziLsvGOAUI91+PuchLCQ==
            """;

    /** The same path's reference, with an empty References line (Nix writes "References: " then the newline). */
    static final String UNSIGNED_LEAF_NARINFO = """
            StorePath: /nix/store/z4asv3j07d89ywjf8fxkn7sg6mf5s9q5-dep
            URL: nar/1xsjkazpfgyyy38br89kz2plvdb4dkqcjl5mh0n2py3ndf0sc48j.nar.xz
            Compression: xz
            FileHash: sha256:1xsjkazpfgyyy38br89kz2plvdb4dkqcjl5mh0n2py3ndf0sc48j
            FileSize: 128
            NarHash: sha256:00kjynz8n03652qccs76ivsvark3pr3dfr6w1ba3x7bx83kcknvv
            NarSize: 120
            References:\s
            Deriver: p2qkh6lklg7zljx468xsl3gwif574nq4-dep.drv
            """;

    private NixCacheTestData() {
    }
}

package dev.nixpool.testing;

/** For {@code @AfterAll}: closes every resource even if one fails, skipping those never created. */
public final class Closeables {

    private Closeables() {
    }

    public static void closeAll(AutoCloseable... resources) throws Exception {
        Exception first = null;
        for (AutoCloseable r : resources) {
            if (r == null) {
                continue;
            }
            try {
                r.close();
            } catch (Exception e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}

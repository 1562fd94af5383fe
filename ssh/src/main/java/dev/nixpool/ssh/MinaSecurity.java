package dev.nixpool.ssh;

/**
 * Keeps MINA's ed25519 provider (net.i2p's EdDSA) private to the MINA that created it. By default MINA installs that
 * provider JVM-wide ({@code java.security.Security.addProvider}) and from then on asks for it by name; when MINA and
 * net.i2p are loaded twice in one JVM (a {@code @QuarkusTest} beside plain tests, any container with its own class
 * loader) the second copy then gets key and signature objects of the first copy's classes: a ClassCastException
 * between two {@code EdDSAPrivateKey} classes. With {@code useNamed=false} each copy uses its own provider instance.
 */
public final class MinaSecurity {

    /** MINA's {@code SecurityProviderRegistrar.CONFIG_PROP_BASE + ".EdDSA." + NAMED_PROVIDER_PROPERTY}. */
    static final String EDDSA_USE_NAMED = "org.apache.sshd.security.provider.EdDSA.useNamed";

    private MinaSecurity() {
    }

    /**
     * Called from the static initialiser of every class here that reaches MINA's key handling, so that it runs before
     * MINA's SecurityUtils first registers its providers (on the first key or session). An explicit setting wins.
     */
    public static void configure() {
        if (System.getProperty(EDDSA_USE_NAMED) == null) {
            System.setProperty(EDDSA_USE_NAMED, "false");
        }
    }
}

package dev.nixpool.gateway;

import java.security.PublicKey;
import java.util.Optional;

/** Who may log in: consulted at every SSH public-key authentication, so changes apply to the next login. */
@FunctionalInterface
public interface ClientAuthorizer {

    /** The identity of an authorised key, empty for a key nobody authorised. */
    Optional<ClientIdentity> identify(PublicKey key);
}

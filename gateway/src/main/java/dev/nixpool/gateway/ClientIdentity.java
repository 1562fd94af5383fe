package dev.nixpool.gateway;

/**
 * A client key the gateway let in: its name as the authorisation declares it and its SHA256 fingerprint (what logs
 * show; the key itself is never logged).
 */
public record ClientIdentity(String name, String fingerprint) {
}

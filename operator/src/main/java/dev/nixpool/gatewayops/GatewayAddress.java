package dev.nixpool.gatewayops;

/**
 * The gateway's default address: the DNS name of its Service in the operator's namespace. No port: Nix 2.8 passes a
 * store URI's host to ssh as it is, so a port other than 22 belongs in the client's ssh_config (or NIX_SSHOPTS).
 */
final class GatewayAddress {

    static final String SERVICE = "nixpool-gateway";

    private GatewayAddress() {
    }

    static String serviceDns(String namespace) {
        return SERVICE + "." + namespace + ".svc";
    }
}

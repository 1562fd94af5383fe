package dev.nixpool.gateway;

import java.util.List;
import java.util.Optional;

/**
 * What stands behind the gateway (the operator, or a test's fake): which pools a client may use, and a builder for each
 * build. The gateway holds no cluster state of its own.
 */
public interface BuilderBroker {

    /**
     * The pool an SSH user names for this client ({@code <pool>} or {@code <namespace>.<pool>}), if the client may use
     * it.
     *
     * @throws BrokerException the name is ambiguous (the same pool name in several namespaces the client may use)
     */
    Optional<PoolRoute> route(ClientIdentity client, String user) throws BrokerException;

    /** Every pool this client may use: what the user {@code auto} chooses from. */
    List<PoolRoute> pools(ClientIdentity client);

    /**
     * The warm builder of {@code pool} that a build this client queues there now would most likely get, if the broker
     * can tell: the gateway streams the client's uploads into it while it still spools them. Only a guess: it claims
     * nothing, changes nothing in the queue, and is only ever a builder of {@code pool}, a pool the client may use.
     * None by default: uploads are spooled and replayed once the build has its builder.
     */
    default Optional<BuilderLease> likelyBuilder(ClientIdentity client, PoolRoute pool) throws BrokerException {
        return Optional.empty();
    }

    /** Queues the build on {@code pool} for this client. */
    BuildTicket submit(ClientIdentity client, PoolRoute pool, GatewayBuild build) throws BrokerException;
}

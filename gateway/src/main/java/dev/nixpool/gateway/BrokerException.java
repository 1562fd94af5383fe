package dev.nixpool.gateway;

/** The broker could not give a build a builder; the message is for the Nix user (it goes to the client's stderr). */
public class BrokerException extends Exception {

    public BrokerException(String message) {
        super(message);
    }

    public BrokerException(String message, Throwable cause) {
        super(message, cause);
    }
}

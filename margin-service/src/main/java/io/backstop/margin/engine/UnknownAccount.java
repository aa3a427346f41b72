package io.backstop.margin.engine;

/** An account this service does not hold. */
public final class UnknownAccount extends RuntimeException {
    public UnknownAccount(String accountId) {
        super("no account '" + accountId + "'");
    }
}

package io.backstop.margin.account;

/** An account status change the state machine does not allow: a bug, never a business outcome. */
public final class IllegalTransition extends IllegalStateException {
    public IllegalTransition(String accountId, String scope, AccountStatus from, AccountStatus to) {
        super("account " + accountId + " (" + scope + "): " + from + " cannot become " + to);
    }
}

package io.backstop.insurance.engine;

/** A fund group that is not configured. */
public final class UnknownFund extends RuntimeException {

    public UnknownFund(String group) {
        super("no fund group '" + group + "'");
    }
}

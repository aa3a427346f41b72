package io.backstop.margin.engine;

/**
 * An idempotency key already used on the account for another request: the request is refused, nothing changes. A key
 * names one request; a client retries it with the same key and the same body, and uses a new key for a new request.
 */
public final class KeyReused extends IllegalArgumentException {

    private final String earlier;

    KeyReused(String key, String earlier) {
        super("Idempotency-Key '" + key + "' was used for another request on this account (" + earlier
                + "); use a new key for a new request");
        this.earlier = earlier;
    }

    /** The request the key was first used for. */
    public String earlier() {
        return earlier;
    }
}

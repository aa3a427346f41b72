package io.backstop.kit.web;

import java.io.IOException;

/** A request body went past {@link WebLimits#maxBodyBytes()} while it was being read: answered 413. */
public final class BodyTooLarge extends IOException {

    private final long limit;

    BodyTooLarge(long limit) {
        super("request body larger than " + limit + " bytes", null);
        this.limit = limit;
    }

    public long limit() {
        return limit;
    }
}

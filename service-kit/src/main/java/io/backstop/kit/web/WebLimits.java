package io.backstop.kit.web;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/**
 * {@code backstop.web.*}: how much a client may send. Every Backstop request body is a few hundred
 * bytes of JSON (a deposit, a fill, a tick); the defaults leave two orders of magnitude of room and
 * still refuse the 10 MB field that was once applied and echoed back.
 *
 * @param maxBody         the largest request body accepted; larger is 413 before any of it is parsed
 * @param maxStringLength the longest JSON string value in a request body (ids, keys, symbols); longer is 400
 */
@ConfigurationProperties("backstop.web")
public record WebLimits(DataSize maxBody, Integer maxStringLength) {

    public WebLimits {
        maxBody = maxBody == null ? DataSize.ofKilobytes(64) : maxBody;
        maxStringLength = maxStringLength == null ? 256 : maxStringLength;
        if (maxBody.toBytes() < 1 || maxStringLength < 1) {
            throw new IllegalArgumentException("backstop.web.max-body and max-string-length must be positive");
        }
    }

    public long maxBodyBytes() {
        return maxBody.toBytes();
    }
}

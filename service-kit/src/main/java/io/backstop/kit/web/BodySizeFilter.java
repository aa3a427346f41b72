package io.backstop.kit.web;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Refuses a request body over {@link WebLimits#maxBodyBytes()}: at once with 413 when its
 * {@code Content-Length} says so, else (chunked) by failing the read that goes past the limit with
 * {@link BodyTooLarge}, which {@link ProblemDetailsAdvice} answers 413. Nothing of the body is echoed.
 */
public final class BodySizeFilter extends OncePerRequestFilter {

    private final long limit;

    public BodySizeFilter(long limit) {
        this.limit = limit;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        if (request.getContentLengthLong() > limit) {
            byte[] body = ("{\"type\":\"" + ProblemDetailsAdvice.TOO_LARGE + "\",\"title\":\"Body too large\","
                    + "\"status\":413,\"detail\":\"The request body is larger than the " + limit
                    + " bytes this API accepts.\"}").getBytes(StandardCharsets.UTF_8);
            response.setStatus(413);
            response.setContentType("application/problem+json");
            response.setContentLength(body.length);
            // the client may still be sending: do not keep the connection to drain megabytes
            response.setHeader("Connection", "close");
            response.getOutputStream().write(body);
            return;
        }
        chain.doFilter(new Limited(request, limit), response);
    }

    private static final class Limited extends HttpServletRequestWrapper {

        private final long limit;
        private ServletInputStream stream;

        Limited(HttpServletRequest request, long limit) {
            super(request);
            this.limit = limit;
        }

        @Override
        public ServletInputStream getInputStream() throws IOException {
            if (stream == null) {
                stream = new Counting(super.getInputStream(), limit);
            }
            return stream;
        }
    }

    private static final class Counting extends ServletInputStream {

        private final ServletInputStream in;
        private final long limit;
        private long read;

        Counting(ServletInputStream in, long limit) {
            this.in = in;
            this.limit = limit;
        }

        @Override
        public int read() throws IOException {
            int b = in.read();
            if (b >= 0) {
                count(1);
            }
            return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            int n = in.read(buffer, offset, length);
            if (n > 0) {
                count(n);
            }
            return n;
        }

        private void count(int n) throws BodyTooLarge {
            read += n;
            if (read > limit) {
                throw new BodyTooLarge(limit);
            }
        }

        @Override
        public boolean isFinished() {
            return in.isFinished();
        }

        @Override
        public boolean isReady() {
            return in.isReady();
        }

        @Override
        public void setReadListener(ReadListener listener) {
            in.setReadListener(listener);
        }
    }
}

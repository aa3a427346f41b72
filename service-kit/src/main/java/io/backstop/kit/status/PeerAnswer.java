package io.backstop.kit.status;

/**
 * A peer's answer to {@code /api/v1/status/self}, or why there was none.
 *
 * @param report  what it said, null when it did not answer
 * @param problem why it did not answer in time (refused, timed out, an error status), null when it did
 */
public record PeerAnswer(SelfReport report, String problem) {

    public static PeerAnswer answered(SelfReport report) {
        return new PeerAnswer(report, null);
    }

    public static PeerAnswer silent(String problem) {
        return new PeerAnswer(null, problem);
    }

    public boolean answered() {
        return report != null;
    }
}

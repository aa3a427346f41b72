package io.backstop.kit.audit;

/**
 * The audited call this thread is serving, from authorization until it is answered: who, what, its request id, and
 * whether a committed transaction already carries its row. {@link AuditFilter} binds it; {@link AuditInTransaction}
 * puts its row into the first transaction of the call that commits. Used by one thread only.
 */
final class AuditedCall {

    private static final ThreadLocal<AuditedCall> CURRENT = new ThreadLocal<>();

    final AuditTrail trail;
    final String subject;
    final String roles;
    final String method;
    final String path;
    final String requestId;
    final String traceId;
    private boolean recorded;

    AuditedCall(AuditTrail trail, String subject, String roles, String method, String path, String requestId,
                String traceId) {
        this.trail = trail;
        this.subject = subject;
        this.roles = roles;
        this.method = method;
        this.path = path;
        this.requestId = requestId;
        this.traceId = traceId;
    }

    /** The call this thread serves, or null. */
    static AuditedCall current() {
        return CURRENT.get();
    }

    void bind() {
        CURRENT.set(this);
    }

    static void unbind() {
        CURRENT.remove();
    }

    /** Whether a committed transaction carries this call's row. */
    boolean recorded() {
        return recorded;
    }

    void committed() {
        recorded = true;
    }
}

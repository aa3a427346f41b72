package io.backstop.kit.audit;

import io.backstop.events.InvalidField;
import io.swagger.v3.oas.annotations.Operation;
import java.util.List;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** The service's audit for operators: who changed what through its API, oldest first, paged by id. */
@RestController
public class AuditController {

    /** One page and the id to pass as {@code after} for the next (null at the end). */
    public record Page(List<AuditTrail.Entry> entries, Long next) {
    }

    private final AuditTrail trail;

    public AuditController(AuditTrail trail) {
        this.trail = trail;
    }

    @GetMapping("/api/v1/audit")
    @Operation(summary = "State-changing calls to this service: who (token subject and roles), what, when, the answer"
            + " and the request id; oldest first, optionally of one subject; pass 'next' as 'after' for the next page")
    Page audit(@RequestParam(defaultValue = "0") long after, @RequestParam(required = false) String subject,
               @RequestParam(defaultValue = "100") int limit) {
        if (limit < 1 || limit > 1000) {
            throw new InvalidField("limit", "must be between 1 and 1000, got " + limit);
        }
        if (after < 0) {
            throw new InvalidField("after", "must be 0 or an id this API returned, got " + after);
        }
        List<AuditTrail.Entry> entries = trail.page(after, subject, limit);
        return new Page(entries, entries.size() == limit ? entries.get(entries.size() - 1).id() : null);
    }
}

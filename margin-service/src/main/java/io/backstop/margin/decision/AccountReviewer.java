package io.backstop.margin.decision;

import io.backstop.events.EventEnvelope;
import io.backstop.events.margin.MarginCallIssued;
import io.backstop.margin.account.Account;
import io.backstop.margin.risk.MarginEngine;
import io.backstop.margin.risk.MarginReview;
import io.backstop.margin.risk.PriceBook;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reviews an account's margin at given prices and decides the margin calls margin-service emits for it. The
 * account (the aggregate) changes its scopes' statuses; the events are built at once, from the account as it
 * is at the review.
 */
public final class AccountReviewer {

    private static final Logger log = LoggerFactory.getLogger(AccountReviewer.class);

    private final MarginEngine margin;
    private final Clock clock;

    public AccountReviewer(MarginEngine margin, Clock clock) {
        this.margin = margin;
        this.clock = clock;
    }

    /**
     * A review's outcome.
     *
     * @param calls the {@code MarginCallIssued} events to emit, one per call of {@code review}
     */
    public record Reviewed(Account account, MarginReview review, List<EventEnvelope<MarginCallIssued>> calls) {

        /** Whether the review changed the account (a status, or a call opened): it must be saved. */
        public boolean changedAccount() {
            return review.statusChanged() || !review.calls().isEmpty();
        }
    }

    public Reviewed review(Account account, PriceBook prices) {
        var statusBefore = account.status();
        MarginReview review = margin.review(account, prices);
        log.debug("review {}: {} -> {}, equity {}, maintenance {}, {} calls", account.id(), statusBefore,
                account.status(), review.risk().equity(), review.risk().maintenanceMargin(), review.calls().size());
        List<EventEnvelope<MarginCallIssued>> calls = new ArrayList<>(review.calls().size());
        for (MarginReview.Call call : review.calls()) {
            calls.add(MarginEvents.call(account, call, clock.instant()));
        }
        return new Reviewed(account, review, List.copyOf(calls));
    }
}

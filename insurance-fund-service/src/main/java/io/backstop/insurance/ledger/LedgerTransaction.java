package io.backstop.insurance.ledger;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.UUID;

/**
 * A balanced set of postings: for every asset they sum to exactly zero. Identified by the event that
 * caused it (with a discriminator when one event causes several), so applying the cause twice finds the
 * transaction already there.
 *
 * @param kind what moved, for example {@code FEE}, {@code TAKEOVER}, {@code ADL}, {@code SOCIALIZED_LOSS}
 * @param memo why, in words, for the audit trail
 */
public record LedgerTransaction(UUID id, UUID causeEventId, String kind, String memo, List<Posting> postings) {

    public LedgerTransaction {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(causeEventId, "causeEventId");
        Objects.requireNonNull(kind, "kind");
        postings = List.copyOf(postings);
        if (postings.size() < 2) {
            throw new UnbalancedTransaction(kind + " " + id + " has " + postings.size() + " posting(s); at least two");
        }
        Map<String, BigDecimal> sums = sums(postings);
        sums.forEach((asset, sum) -> {
            if (sum.signum() != 0) {
                throw new UnbalancedTransaction(kind + " " + id + " does not balance in " + asset + ": postings sum to "
                        + sum.toPlainString());
            }
        });
    }

    /** Postings summed per asset (zero for every asset of a valid transaction). */
    public static Map<String, BigDecimal> sums(List<Posting> postings) {
        Map<String, BigDecimal> sums = new TreeMap<>();
        for (Posting p : postings) {
            sums.merge(p.asset(), p.amount(), BigDecimal::add);
        }
        return sums;
    }

    /** Builds a transaction transfer by transfer; each transfer is two postings of one amount. */
    public static Builder builder(UUID id, UUID causeEventId, String kind, String memo) {
        return new Builder(id, causeEventId, kind, memo);
    }

    /** A transaction's postings, added as transfers. */
    public static final class Builder {
        private final UUID id;
        private final UUID cause;
        private final String kind;
        private final String memo;
        private final List<Posting> postings = new ArrayList<>();

        private Builder(UUID id, UUID cause, String kind, String memo) {
            this.id = id;
            this.cause = cause;
            this.kind = kind;
            this.memo = memo;
        }

        /** Moves {@code amount} of {@code asset} from one account to another; nothing when the amount is zero. */
        public Builder transfer(String from, String to, String asset, BigDecimal amount) {
            if (amount.signum() < 0) {
                return transfer(to, from, asset, amount.negate());
            }
            if (amount.signum() > 0) {
                postings.add(new Posting(from, asset, amount.negate()));
                postings.add(new Posting(to, asset, amount));
            }
            return this;
        }

        public Builder post(Posting posting) {
            postings.add(posting);
            return this;
        }

        public boolean isEmpty() {
            return postings.isEmpty();
        }

        public LedgerTransaction build() {
            return new LedgerTransaction(id, cause, kind, memo, postings);
        }
    }

    /** A transaction whose postings do not sum to zero in some asset: never stored. */
    public static final class UnbalancedTransaction extends IllegalArgumentException {
        public UnbalancedTransaction(String message) {
            super(message);
        }
    }
}

package io.backstop.insurance.waterfall;

import io.backstop.events.PositionSide;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The loss waterfall for one bankrupt remainder, in order: (1) the fund takes what its capacity allows
 * at the bankruptcy price — all of it when the operator's guarantee holds, the operator injecting what
 * the capacity lacks; (2) the rest is closed against the opposite positions in ADL-queue order at the
 * bankruptcy price, the last one partly; (3) a deficit is paid by the fund's money, then by the
 * guarantee, then spread pro rata over the profitable accounts on the symbol. Pure: the caller supplies
 * the fund, the queue's candidates and the socialization base, and stores what it returns.
 */
public final class Waterfall {

    private final WaterfallPolicy policy;

    public Waterfall(WaterfallPolicy policy) {
        this.policy = policy;
    }

    /**
     * @param opposite the positions on the other side of the remainder (longs for a bankrupt short), the
     *                 bankrupt account's own excluded
     * @param base     positive weights of the accounts a deficit may be socialized over (the bankrupt
     *                 account excluded)
     */
    public WaterfallResult resolve(Shortfall s, FundSnapshot fund, List<AdlCandidate> opposite,
                                   Map<String, BigDecimal> base) {
        return resolve(s, fund, side(s, opposite), base);
    }

    /**
     * As {@link #resolve(Shortfall, FundSnapshot, List, Map)}, the ADL step walking {@code opposite} from its head
     * only as far as the remainder needs.
     *
     * @param opposite the side of the queue opposite the remainder (longs for a bankrupt short), in queue order
     */
    public WaterfallResult resolve(Shortfall s, FundSnapshot fund, AdlSide opposite, Map<String, BigDecimal> base) {
        List<String> steps = new ArrayList<>();
        BigDecimal q = s.quantity();
        BigDecimal price = s.bankruptcyPrice();
        BigDecimal mark = s.markPrice();
        BigDecimal balance = fund.balance();
        BigDecimal money = BigDecimal.ONE.movePointLeft(policy.moneyScale());

        // (1) fund takeover within capacity, valued at the mark
        BigDecimal capacity = fund.capacity();
        BigDecimal take = capacity.divide(mark, policy.quantityScale(), RoundingMode.DOWN).min(q);
        BigDecimal injection = BigDecimal.ZERO;
        if (take.compareTo(q) < 0 && fund.guaranteeHolds() && fund.capacityFraction().signum() > 0) {
            BigDecimal lacking = q.subtract(take).multiply(mark);
            injection = lacking.divide(fund.capacityFraction(), policy.moneyScale(), RoundingMode.UP);
            balance = balance.add(injection);
            steps.add("guarantee: the operator injects " + plain(injection) + " " + policy.asset()
                    + " so the fund's capacity covers the remaining " + plain(q.subtract(take)) + " at mark " + plain(mark));
            take = q;
        }
        if (take.signum() > 0) {
            steps.add("takeover: the fund takes " + plain(take) + " of " + plain(q) + " at bankruptcy price "
                    + plain(price) + " (capacity " + plain(capacity) + " " + policy.asset() + " of notional at mark "
                    + plain(mark) + (injection.signum() > 0 ? ", with the injection" : "") + ")");
        } else {
            steps.add("takeover: none; the fund's capacity " + plain(capacity) + " " + policy.asset()
                    + " is less than one unit at mark " + plain(mark));
        }

        // (2) auto-deleveraging of the rest, in queue order
        Deleveraged d = deleverage(s, q.subtract(take), opposite, steps);
        BigDecimal forced = d.rest();
        if (forced.signum() > 0) {
            steps.add("forced takeover: no opposite position left to deleverage; the fund takes the last "
                    + plain(forced) + " beyond its capacity");
        }
        List<WaterfallResult.AdlMatch> adl = d.matches();

        // (3) the deficit: fund money, then the guarantee, then socialized
        // exact to the asset's unit (a finer deficit is rounded up: the account ends at zero or one unit above)
        BigDecimal deficit = s.deficit().setScale(Math.max(policy.moneyScale(), 0), RoundingMode.UP);
        BigDecimal fromFund = BigDecimal.ZERO;
        Map<String, BigDecimal> socialized = new LinkedHashMap<>();
        BigDecimal uncovered = BigDecimal.ZERO;
        if (deficit.signum() > 0) {
            // whole units of the fund's money (its balance may carry finer trading PnL)
            fromFund = deficit.min(balance.max(BigDecimal.ZERO).setScale(policy.moneyScale(), RoundingMode.DOWN));
            BigDecimal left = deficit.subtract(fromFund);
            if (left.signum() > 0 && fund.guaranteeHolds()) {
                injection = injection.add(left);
                fromFund = deficit;
                steps.add("guarantee: the operator injects " + plain(left) + " " + policy.asset()
                        + " toward the deficit");
                left = BigDecimal.ZERO;
            }
            if (fromFund.signum() > 0) {
                steps.add("deficit: the fund pays " + plain(fromFund) + " of " + plain(deficit) + " " + policy.asset());
            }
            if (left.signum() > 0) {
                socialized = SocializedLoss.split(left, base, policy.moneyScale());
                if (socialized.isEmpty()) {
                    uncovered = left;
                    steps.add("uncovered: no profitable account on " + s.symbol() + " to socialize " + plain(left)
                            + " " + policy.asset() + " over; the fund pays it into a negative balance");
                } else {
                    steps.add("socialized: " + plain(left) + " " + policy.asset() + " over " + socialized.size()
                            + " profitable account(s) on " + s.symbol() + ", pro rata to unrealized PnL ("
                            + SocializedLoss.RULE + ", largest remainder to the unit " + plain(money) + ")");
                }
            }
        }
        return new WaterfallResult(injection, take, forced, List.copyOf(adl), fromFund, socialized, uncovered,
                List.copyOf(steps));
    }

    /** The positions of {@code opposite} on the side opposite the remainder, ranked when first read. */
    private AdlSide side(Shortfall s, List<AdlCandidate> opposite) {
        boolean wantLongs = s.side() == PositionSide.SHORT;
        return AdlSide.of(() -> opposite.stream().filter(c -> c.isLong() == wantLongs).toList(), policy.ranking());
    }

    private static String plain(BigDecimal value) {
        return value.stripTrailingZeros().toPlainString();
    }

    /**
     * The ADL step: {@code quantity} of the remainder matched against the opposite positions in queue order.
     *
     * @param matches the counterparties and what each is asked to close
     * @param rest    what no opposite position was left for
     */
    public record Deleveraged(List<WaterfallResult.AdlMatch> matches, BigDecimal rest) {
    }

    /**
     * Matches {@code quantity} of {@code s}'s remainder against {@code opposite} (the bankrupt account's own position
     * never counts) in the policy's queue order, the last one partly; explains each match in {@code steps}.
     */
    public Deleveraged deleverage(Shortfall s, BigDecimal quantity, List<AdlCandidate> opposite, List<String> steps) {
        return deleverage(s, quantity, side(s, opposite), steps);
    }

    /**
     * As {@link #deleverage(Shortfall, BigDecimal, List, List)}, walking {@code opposite} (the side opposite the
     * remainder, in queue order) from its head until the quantity is matched: each match's rank is its place in the
     * side without the bankrupt account, as if that side had been ranked whole. A position asks at most what
     * {@link AdlSide#available} leaves of it; one left nothing is passed over and takes no rank.
     */
    public Deleveraged deleverage(Shortfall s, BigDecimal quantity, AdlSide opposite, List<String> steps) {
        BigDecimal rest = quantity;
        List<WaterfallResult.AdlMatch> adl = new ArrayList<>();
        if (rest.signum() > 0) {
            boolean wantLongs = s.side() == PositionSide.SHORT;
            int rank = 0;
            for (AdlCandidate c : opposite.without(Set.of(s.accountId())).walk()) {
                if (c.isLong() != wantLongs) {
                    continue; // never on a side read as one; a list given whole may hold both
                }
                BigDecimal available = opposite.available(c);
                if (available.signum() <= 0) {
                    continue; // all of it asked already, or margin answered it holds nothing more: out of this queue
                }
                rank++;
                BigDecimal score = policy.ranking().score(c);
                BigDecimal close = available.min(rest);
                adl.add(new WaterfallResult.AdlMatch(c.accountId(), rank, close, score, c.size()));
                rest = rest.subtract(close);
                String asked = available.compareTo(c.quantity()) < 0
                        ? ", " + plain(c.quantity().subtract(available)) + " of it asked already, not yet answered"
                        : "";
                steps.add("adl: rank " + rank + " " + c.accountId() + " (score " + score.round(
                        new java.math.MathContext(6)).toPlainString() + ", position " + plain(c.size()) + asked
                        + ") closes " + plain(close) + " at " + plain(s.bankruptcyPrice()));
                if (rest.signum() == 0) {
                    break; // before the walk reads another page it does not need
                }
            }
        }
        return new Deleveraged(List.copyOf(adl), rest);
    }
}

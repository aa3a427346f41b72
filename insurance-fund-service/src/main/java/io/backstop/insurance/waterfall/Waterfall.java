package io.backstop.insurance.waterfall;

import io.backstop.events.PositionSide;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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
        BigDecimal rest = quantity;
        List<WaterfallResult.AdlMatch> adl = new ArrayList<>();
        if (rest.signum() > 0) {
            boolean wantLongs = s.side() == PositionSide.SHORT;
            List<AdlCandidate> eligible = opposite.stream().filter(c -> c.isLong() == wantLongs
                    && !c.accountId().equals(s.accountId())).toList();
            for (AdlQueue.Ranked r : AdlQueue.rank(eligible, policy.ranking())) {
                if (rest.signum() == 0) {
                    break;
                }
                BigDecimal close = r.candidate().quantity().min(rest);
                adl.add(new WaterfallResult.AdlMatch(r.candidate().accountId(), r.rank(), close, r.score(),
                        r.candidate().size()));
                rest = rest.subtract(close);
                steps.add("adl: rank " + r.rank() + " " + r.candidate().accountId() + " (score " + r.score().round(
                        new java.math.MathContext(6)).toPlainString() + ", position " + plain(r.candidate().size())
                        + ") closes " + plain(close) + " at " + plain(s.bankruptcyPrice()));
            }
        }
        return new Deleveraged(List.copyOf(adl), rest);
    }
}

package io.backstop.insurance.engine;

import io.backstop.insurance.config.InsuranceProperties;
import io.backstop.insurance.fund.FundBook;
import io.backstop.insurance.fund.FundView;
import io.backstop.kit.prices.PriceBoard;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * The funds' figures ({@link FundView}) at the latest marks and open interest, and the gauges operators watch,
 * which show each fund as last committed. Thread-safe: the gauges read a map replaced per fund after each commit.
 */
public class FundFigures {

    private final InsuranceStore store;
    private final InsuranceProperties properties;
    private final PriceBoard prices;
    private final OpenInterest openInterest;
    private final MeterRegistry meters;
    /** The latest committed figures of each fund. */
    private final Map<String, FundView> published = new ConcurrentHashMap<>();

    public FundFigures(InsuranceStore store, InsuranceProperties properties, PriceBoard prices,
                       OpenInterest openInterest, MeterRegistry meters) {
        this.store = store;
        this.properties = properties;
        this.prices = prices;
        this.openInterest = openInterest;
        this.meters = meters;
    }

    /** Reads every configured fund (they must exist) and registers its gauges. */
    public void registerGauges() {
        for (String group : properties.groups().keySet()) {
            published.put(group, view(group));
            Gauge.builder("backstop.insurance.fund.balance", published, m -> m.get(group).balance().doubleValue())
                    .description("A fund's money in the settlement asset").tag("group", group).register(meters);
            Gauge.builder("backstop.insurance.fund.inherited.notional",
                    published, m -> m.get(group).inheritedNotional().doubleValue())
                    .description("Notional at mark of the positions a fund took over and has not unwound")
                    .tag("group", group).register(meters);
            Gauge.builder("backstop.insurance.fund.coverage.ratio",
                    published, m -> m.get(group).coverageRatio() == null ? Double.NaN
                            : m.get(group).coverageRatio().doubleValue())
                    .description("A fund's balance / open interest of its group").tag("group", group).register(meters);
        }
    }

    /** The group's fund as last committed. */
    public FundView view(String group) {
        InsuranceProperties.Group config = properties.groups().get(group);
        if (config == null) {
            throw new UnknownFund(group);
        }
        return view(store.readFund(group));
    }

    /** The book's figures now (a configured group's). */
    public FundView view(FundBook book) {
        InsuranceProperties.Group config = properties.groups().get(book.group());
        return FundView.of(book, config.terms(), prices.marks(), openInterest.notional(config.symbols()));
    }

    /** Shows {@code view} on the gauges once the current transaction commits. */
    public void publishAfterCommit(FundView view) {
        TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
            @Override
            public void afterCommit() {
                published.put(view.group(), view);
            }
        });
    }

    /** Whether any fund holds positions it took over and has not unwound (from the committed figures). */
    public boolean holdsInventory() {
        return published.values().stream().anyMatch(fund -> !fund.inherited().isEmpty());
    }
}

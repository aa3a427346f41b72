package io.backstop.margin;

import io.backstop.events.json.EventJson;
import io.backstop.kit.inbox.Inbox;
import io.backstop.kit.outbox.Outbox;
import io.backstop.margin.risk.MarginEngine;
import io.backstop.margin.config.MarginProperties;
import io.backstop.margin.decision.AccountRequests;
import io.backstop.margin.decision.EventApplier;
import io.backstop.margin.engine.AccountCommands;
import io.backstop.margin.engine.AccountEngine;
import io.backstop.margin.engine.AccountReads;
import io.backstop.margin.engine.ConsumedEvents;
import io.backstop.margin.engine.PartitionOwnership;
import io.backstop.margin.persistence.AccountRepository;
import io.backstop.margin.risk.RiskCalculator;
import io.backstop.markets.MarketsProperties;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.UUID;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionTemplate;

@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties({MarginProperties.class, MarketsProperties.class})
class MarginConfiguration {

    @Bean
    RiskCalculator riskCalculator(MarginProperties properties, MarketsProperties markets) {
        return new RiskCalculator(properties.assetSpecs(), properties.instrumentSpecs(markets.markets()));
    }

    @Bean
    MarginEngine marginEngine(RiskCalculator calculator, MarginProperties properties) {
        return new MarginEngine(calculator, properties.getAlertRatio(), UUID::randomUUID);
    }

    @Bean
    AccountRepository accountRepository(JdbcTemplate jdbc, EventJson json, MarginProperties properties) {
        return new AccountRepository(jdbc, json, properties.getSettlementAsset().toUpperCase(java.util.Locale.ROOT));
    }

    @Bean
    AccountReads accountReads(MarginEngine margin, MarginProperties properties, MeterRegistry meters) {
        return new AccountReads(margin, settlementAsset(properties), meters);
    }

    @Bean
    AccountEngine accountEngine(MarginEngine margin, AccountReads reads, AccountRepository repository, Inbox inbox,
                                Outbox outbox, TransactionTemplate tx, Clock clock, MarginProperties properties,
                                MeterRegistry meters, io.backstop.kit.tracing.EventTracing tracing) {
        return new AccountEngine(margin, reads, repository, inbox, outbox, tx, clock, properties.getBatchSize(),
                properties.getSnapshotInterval(), meters, tracing);
    }

    @Bean
    ConsumedEvents consumedEvents(AccountEngine engine, AccountReads reads, Inbox inbox, MarginEngine margin,
                                  Clock clock, MarginProperties properties, MeterRegistry meters,
                                  io.backstop.kit.tracing.EventTracing tracing) {
        return new ConsumedEvents(engine, reads, inbox, new EventApplier(margin, clock, settlementAsset(properties)),
                meters, tracing);
    }

    @Bean
    AccountCommands accountCommands(AccountEngine engine, AccountReads reads, Inbox inbox, MarginEngine margin,
                                    MarginProperties properties) {
        return new AccountCommands(engine, reads, inbox,
                new AccountRequests(margin.calculator(), settlementAsset(properties)));
    }

    @Bean
    PartitionOwnership partitionOwnership(AccountEngine engine, AccountReads reads, AccountRepository repository,
                                          MarginProperties properties,
                                          org.springframework.core.env.Environment environment) {
        // the loaders leave three of the pool's connections: the engine's commits, and the outbox relay's two (its
        // lock, and its listening for the other instances' commits)
        int pool = environment.getProperty("spring.datasource.hikari.maximum-pool-size", Integer.class, 10);
        return new PartitionOwnership(engine, reads, repository, properties.getLoaderThreads(), pool - 3);
    }

    private static String settlementAsset(MarginProperties properties) {
        return properties.getSettlementAsset().toUpperCase(java.util.Locale.ROOT);
    }

    /**
     * Ready while the account engine commits its batches: from its first failed round (a commit that failed,
     * or accounts it could not reload after one) until a round commits again. Says how many accounts still wait
     * for their first review after a takeover: they are served meanwhile at their stored status (the risk API
     * values them at current prices), and readiness does not wait for them (docs/capacity.md).
     */
    @Bean
    HealthIndicator engineCommitsHealthIndicator(AccountEngine engine) {
        return () -> engine.health().failing().map(f -> Health.outOfService().withDetail("failingRounds", f.rounds())
                .withDetail("failingFor", f.lasting().toString()).withDetail("accountsToReload", f.accountsToReload())
                .withDetail("lastError", f.lastError()))
                .orElseGet(Health::up).withDetail("reviewsPending", engine.reviewsPending()).build();
    }

    /**
     * Alive unless the account engine has failed every round for longer than
     * {@code backstop.margin.engine-failing-limit}: then a restart (which reloads every account) is the way out.
     */
    @Bean
    HealthIndicator engineAliveHealthIndicator(AccountEngine engine, MarginProperties properties) {
        return () -> engine.health().failing().filter(f -> f.lasting().compareTo(properties.getEngineFailingLimit()) > 0)
                .map(f -> Health.down().withDetail("failingFor", f.lasting().toString())
                        .withDetail("lastError", f.lastError()).build())
                .orElseGet(() -> Health.up().build());
    }

    /**
     * Ready once the instance owns its partitions' accounts (possibly none, when other replicas own
     * them all): before that, every account request would be answered 503.
     */
    @Bean
    HealthIndicator accountOwnership(AccountReads reads) {
        return () -> {
            AccountReads.Ownership ownership = reads.ownership();
            Health.Builder health = ownership.assigned() ? Health.up() : Health.outOfService();
            return health.withDetail("partitions", new java.util.TreeSet<>(ownership.partitions()))
                    .withDetail("partitionCount", ownership.partitionCount())
                    .withDetail("accounts", ownership.accounts())
                    .withDetail("revocations", ownership.revocations()).build();
        };
    }
}

package io.backstop.margin;

import io.backstop.kit.inbox.Inbox;
import io.backstop.kit.outbox.Outbox;
import io.backstop.margin.engine.AccountEngine;
import io.backstop.margin.engine.AccountReads;
import io.backstop.margin.risk.MarginEngine;
import io.backstop.margin.persistence.AccountRepository;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import org.springframework.context.ApplicationContext;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * A second account engine on the test context's store, inbox and outbox, with reads and meters of its own: what a
 * replacement instance runs, without a second Spring context. Not started; {@link #close} stops it.
 */
final class ReplacementEngine implements AutoCloseable {

    final AccountReads reads;
    final AccountEngine engine;

    ReplacementEngine(ApplicationContext context) {
        MarginEngine margin = context.getBean(MarginEngine.class);
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        this.reads = new AccountReads(margin, "USDT", meters);
        this.engine = new AccountEngine(margin, reads, context.getBean(AccountRepository.class),
                context.getBean(Inbox.class), context.getBean(Outbox.class), context.getBean(TransactionTemplate.class),
                Clock.systemUTC(), 100, Duration.ofSeconds(1), meters);
    }

    @Override
    public void close() {
        engine.stop();
    }
}

package io.backstop.kit;

import io.backstop.events.ContractViolation;
import io.backstop.events.EventEnvelope;
import io.backstop.events.Topic;
import io.backstop.events.market.VenueTickObserved;
import io.backstop.events.oracle.OraclePricePublished;
import io.backstop.events.oracle.PriceStatus;
import io.backstop.kit.inbox.InboxBatch;
import io.backstop.kit.kafka.ServiceTopics;
import io.backstop.kit.outbox.Outbox;
import java.time.Clock;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import io.backstop.kit.web.ProblemDetailsAdvice;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurationExcludeFilter;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.context.TypeExcludeFilter;
import org.springframework.context.annotation.ComponentScan;
import org.springframework.context.annotation.FilterType;
import org.springframework.context.annotation.Bean;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;

/**
 * A minimal service on the kit, for the kit's own tests: it turns each venue tick into a (naive)
 * oracle price through the inbox and the outbox. Not Backstop's oracle. The kit's problem+json advice
 * is left to the auto-configuration, as in a service (whose scan never reaches the kit's package): a
 * scan here would register it early and hide how it competes with Spring Boot's own handler.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
@ComponentScan(excludeFilters = {
        @ComponentScan.Filter(type = FilterType.CUSTOM, classes = TypeExcludeFilter.class),
        @ComponentScan.Filter(type = FilterType.CUSTOM, classes = AutoConfigurationExcludeFilter.class),
        @ComponentScan.Filter(type = FilterType.ASSIGNABLE_TYPE, classes = ProblemDetailsAdvice.class)})
public class KitTestApplication {

    /** The test endpoints' rules, as a service declares its own: reads for operators, the order for the exchange. */
    @Bean
    io.backstop.kit.security.AccessRules testEndpoints() {
        return rules -> {
            rules.requestMatchers(org.springframework.http.HttpMethod.GET, "/api/test/held", "/api/test/page")
                    .access(io.backstop.kit.security.Access.roles(io.backstop.events.auth.Role.OPERATOR));
            rules.requestMatchers(org.springframework.http.HttpMethod.POST, "/api/test/orders", "/api/test/notes/{mode}")
                    .access(io.backstop.kit.security.Access.roles(io.backstop.events.auth.Role.EXCHANGE));
        };
    }

    @Bean
    ServiceTopics topics() {
        return ServiceTopics.of(Set.of(Topic.MARKET_TICKS), Set.of(Topic.ORACLE_PRICES));
    }

    @Component
    static class EchoListener {

        /** Ticks from this venue fail this many times before they succeed (the database did not answer). */
        static final String FLAKY_VENUE = "flaky";
        static final AtomicInteger flakyFailuresLeft = new AtomicInteger();
        /** Ticks from this venue always fail, and not for their content (a fault in the handler's code). */
        static final String FAULTY_VENUE = "faulty";
        static final AtomicInteger faultyAttempts = new AtomicInteger();
        /** The event id in the logging context while each tick was applied (what each log line carried). */
        static final java.util.Queue<String> loggedEventIds = new java.util.concurrent.ConcurrentLinkedQueue<>();
        /** The trace id in the logging context while each event was applied (Micrometer Tracing's MDC entry). */
        static final java.util.Map<java.util.UUID, String> loggedTraceIds = new java.util.concurrent.ConcurrentHashMap<>();

        private final InboxBatch inbox;
        private final Outbox outbox;
        private final Clock clock;
        private final AtomicLong sequence = new AtomicLong();

        EchoListener(InboxBatch inbox, Outbox outbox, Clock clock) {
            this.inbox = inbox;
            this.outbox = outbox;
            this.clock = clock;
        }

        @KafkaListener(topics = "${backstop.kafka.topic-prefix}market.ticks", batch = "true")
        void on(List<ConsumerRecord<String, EventEnvelope<?>>> records) {
            inbox.apply(records, this::echo);
        }

        private void echo(EventEnvelope<?> event) {
            VenueTickObserved tick = (VenueTickObserved) event.payload();
            loggedEventIds.add(String.valueOf(org.slf4j.MDC.get("eventId")));
            loggedTraceIds.put(event.eventId(), String.valueOf(org.slf4j.MDC.get("traceId")));
            if (tick.symbol().equals("UNKNOWN")) {
                throw new ContractViolation(Topic.MARKET_TICKS.baseName(), "payload.symbol",
                        ContractViolation.Reason.REJECTED_BY_CONSUMER, "symbol UNKNOWN is not configured");
            }
            if (tick.venue().equals(FLAKY_VENUE) && flakyFailuresLeft.getAndDecrement() > 0) {
                throw new org.springframework.dao.TransientDataAccessResourceException("database unavailable");
            }
            if (tick.venue().equals(FAULTY_VENUE)) {
                faultyAttempts.incrementAndGet();
                throw new IllegalStateException("a fault in the handler");
            }
            outbox.append(EventEnvelope.causedBy(event.eventId(), "price", new OraclePricePublished(
                    tick.symbol(), tick.last(), tick.last(), tick.last(), java.math.BigDecimal.ZERO,
                    PriceStatus.OK, null, List.of(), clock.instant(), clock.instant()),
                    clock.instant(), sequence.incrementAndGet()));
        }
    }
}

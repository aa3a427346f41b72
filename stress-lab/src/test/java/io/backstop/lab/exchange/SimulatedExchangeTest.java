package io.backstop.lab.exchange;

import static org.assertj.core.api.Assertions.assertThat;

import io.backstop.events.EventEnvelope;
import io.backstop.events.Side;
import io.backstop.events.Topic;
import io.backstop.events.json.EventJson;
import io.backstop.events.liquidation.LiquidationOrderExecuted;
import io.backstop.events.liquidation.LiquidationOrderStatusRequested;
import io.backstop.events.liquidation.OrderOwner;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

class SimulatedExchangeTest {

    private static final String TRACE = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

    private final EventJson json = new EventJson();

    @Test
    void theAnswerToAStatusRequestIsSentUnderItsLiquidationInTheRequestsTrace() {
        UUID liquidationId = UUID.randomUUID();
        LiquidationOrderStatusRequested asked = new LiquidationOrderStatusRequested(UUID.randomUUID(), liquidationId,
                OrderOwner.ACCOUNT, "BTCUSDT", Side.SELL, new BigDecimal("2"), 1);
        EventEnvelope<LiquidationOrderExecuted> answer = new OrderAnswers(order -> List.of())
                .answer(asked, Instant.parse("2025-10-10T21:15:00Z")).orElseThrow();

        ProducerRecord<String, byte[]> record = SimulatedExchange.answer(json, answer, TRACE);

        assertThat(record.topic()).isEqualTo(Topic.LIQUIDATION_EXECUTIONS.baseName());
        assertThat(record.key()).isEqualTo(liquidationId.toString());
        assertThat(json.decode(Topic.LIQUIDATION_EXECUTIONS, record.key(), record.value())).isEqualTo(answer);
        assertThat(new String(record.headers().lastHeader(TraceHeader.NAME).value(), StandardCharsets.UTF_8))
                .isEqualTo(TRACE);
    }
}

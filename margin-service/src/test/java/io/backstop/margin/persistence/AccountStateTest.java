package io.backstop.margin.persistence;

import static org.assertj.core.api.Assertions.assertThat;

import io.backstop.events.json.EventJson;
import io.backstop.margin.account.AccountStatus;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class AccountStateTest {

    private final EventJson json = new EventJson();

    @Test
    void anAccountStoredBeforeTheLeaseWithItsCorrectionFieldsStillLoads() {
        String stored = "{\"balances\":{\"USDT\":\"10000\"},"
                + "\"positions\":[{\"symbol\":\"BTCUSDT\",\"size\":\"2\",\"entryPrice\":\"60000\",\"mode\":\"CROSS\","
                + "\"isolatedMargin\":\"0\"}],"
                + "\"scopes\":{\"CROSS\":{\"status\":\"LIQUIDATING\",\"openCallId\":\"00000000-0000-0000-0000-000000000001\","
                + "\"held\":false}},"
                + "\"lastLiquidationTradeId\":\"liq-7f3a-1\",\"lastWaterfallEventId\":\"6f1c2a4e-0b7d-4c1e-9a43-2d5e8f7a9b10\"}";

        AccountRepository.State state = json.mapper().readValue(stored, AccountRepository.State.class);

        assertThat(state.balances().get("USDT")).isEqualByComparingTo("10000");
        assertThat(state.positions()).singleElement().satisfies(p -> assertThat(p.size()).isEqualByComparingTo("2"));
        assertThat(state.scopes().get("CROSS").status()).isEqualTo(AccountStatus.LIQUIDATING);
        assertThat(state.scopes().get("CROSS").openCallId()).isEqualTo(UUID.fromString(
                "00000000-0000-0000-0000-000000000001"));
        assertThat(state.settlements()).isNull();
        assertThat(json.mapper().writeValueAsString(state)).doesNotContain("lastLiquidationTradeId",
                "lastWaterfallEventId");
    }
}

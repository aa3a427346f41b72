package io.backstop.lab.replay;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class LivenessCheckTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static JsonNode risk(String scopes) {
        return JSON.readTree("{\"scopes\": [" + scopes + "]}");
    }

    @Test
    void aScopeBelowMaintenanceCountsOnlyWhenNeitherLeasedNorHeld() {
        Map<String, JsonNode> risks = new LinkedHashMap<>();
        risks.put("leased", risk("{\"scope\":\"CROSS\",\"status\":\"LIQUIDATING\",\"equity\":\"5\","
                + "\"maintenanceMargin\":\"10\",\"belowMaintenance\":true,"
                + "\"liquidation\":\"00000000-0000-0000-0000-000000000001\",\"hold\":null}"));
        risks.put("held", risk("{\"scope\":\"CROSS\",\"status\":\"MARGIN_CALL\",\"equity\":\"5\","
                + "\"maintenanceMargin\":\"10\",\"belowMaintenance\":true,\"hold\":\"the oracle breaker\"}"));
        risks.put("healthy", risk("{\"scope\":\"CROSS\",\"status\":\"HEALTHY\",\"equity\":\"50\","
                + "\"maintenanceMargin\":\"10\",\"belowMaintenance\":false,\"liquidation\":null,\"hold\":null}"));
        risks.put("forgotten", risk("{\"scope\":\"CROSS\",\"status\":\"HEALTHY\",\"equity\":\"50\","
                + "\"maintenanceMargin\":\"10\",\"belowMaintenance\":false},{\"scope\":\"ISOLATED:BTCUSDT\","
                + "\"status\":\"MARGIN_CALL\",\"equity\":\"1\",\"maintenanceMargin\":\"2\",\"belowMaintenance\":true}"));

        Replay.Liveness liveness = Replay.liveness(risks);

        assertThat(liveness.accountsChecked()).isEqualTo(4);
        assertThat(liveness.unattended()).isEqualTo(1);
        assertThat(liveness.awaitingWaterfall()).isZero();
        assertThat(liveness.examples()).containsExactly("forgotten ISOLATED:BTCUSDT: 1 < 2 (MARGIN_CALL)");
    }

    @Test
    void aScopeLeftAwaitingTheWaterfallIsCountedEvenThoughItsLeaseAttendsToIt() {
        // the one-sided ADL leg: the lease still holds the bankrupt scope, so nothing is unattended, but the waterfall
        // never settled its remainder and the lease would never end
        Map<String, JsonNode> risks = new LinkedHashMap<>();
        risks.put("one-sided", risk("{\"scope\":\"CROSS\",\"status\":\"BANKRUPT\",\"equity\":\"-3\","
                + "\"maintenanceMargin\":\"4\",\"belowMaintenance\":true,"
                + "\"liquidation\":\"00000000-0000-0000-0000-000000000002\",\"awaitingWaterfall\":true,"
                + "\"hold\":null}"));
        risks.put("settled", risk("{\"scope\":\"CROSS\",\"status\":\"HEALTHY\",\"equity\":\"7\","
                + "\"maintenanceMargin\":\"0\",\"belowMaintenance\":false,\"liquidation\":null,"
                + "\"awaitingWaterfall\":false,\"hold\":null}"));

        Replay.Liveness liveness = Replay.liveness(risks);

        assertThat(liveness.unattended()).isZero();
        assertThat(liveness.awaitingWaterfall()).isEqualTo(1);
        assertThat(liveness.examples()).containsExactly("one-sided CROSS: awaiting the waterfall (BANKRUPT)");
    }
}

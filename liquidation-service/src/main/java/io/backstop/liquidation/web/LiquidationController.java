package io.backstop.liquidation.web;

import io.backstop.events.InvalidField;
import io.backstop.liquidation.engine.FillHistory;
import io.backstop.liquidation.lifecycle.Fill;
import io.swagger.v3.oas.annotations.Operation;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/** The public liquidation feed (SSE) and its history, paged from PostgreSQL. */
@RestController
@RequestMapping("/api/v1/liquidations")
class LiquidationController {

    private final FillHistory history;
    private final LiquidationFeed feed;

    LiquidationController(FillHistory history, LiquidationFeed feed) {
        this.history = history;
        this.feed = feed;
    }

    /** One page of the history and the cursor of the next (null at the end). */
    record Page(List<Fill> liquidations, String next) {
    }

    @GetMapping
    @Operation(summary = "Liquidation fills, oldest first, filtered by account, symbol and time [from, to); "
            + "pass the returned 'next' as 'cursor' for the following page")
    Page history(@RequestParam(required = false) String accountId, @RequestParam(required = false) String symbol,
                 @RequestParam(required = false) Instant from, @RequestParam(required = false) Instant to,
                 @RequestParam(defaultValue = "100") int limit, @RequestParam(required = false) String cursor) {
        if (limit < 1 || limit > 1000) {
            throw new InvalidField("limit", "must be between 1 and 1000, got " + limit);
        }
        FillHistory.Cursor after = null;
        if (cursor != null) {
            try {
                String[] parts = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8).split("\\|", 2);
                after = new FillHistory.Cursor(Instant.parse(parts[0]), parts[1]);
            } catch (RuntimeException e) {
                throw new InvalidField("cursor", "is not one this API returned");
            }
        }
        List<Fill> fills = history.page(accountId, symbol, from, to, after, limit);
        String next = null;
        if (fills.size() == limit) {
            Fill last = fills.get(fills.size() - 1);
            next = Base64.getUrlEncoder().withoutPadding().encodeToString(
                    (last.executedAt() + "|" + last.tradeId()).getBytes(StandardCharsets.UTF_8));
        }
        return new Page(fills, next);
    }

    @GetMapping(path = "/stream", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
    @Operation(summary = "Every liquidation fill as it happens (Server-Sent Events, event name 'liquidation')")
    SseEmitter stream() {
        return feed.subscribe();
    }
}

package io.backstop.oracle.web;

import io.backstop.events.json.EventJson;
import io.backstop.events.market.VenueTickObserved;
import io.backstop.kit.web.WebLimits;
import io.backstop.oracle.MarketData;
import io.backstop.oracle.history.PriceHistory;
import io.backstop.oracle.pricing.PricingEngine;
import io.backstop.oracle.pricing.SymbolPricer;
import io.backstop.oracle.pricing.TickOutcome;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.ErrorResponseException;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** Prices as the oracle publishes them, their history, and tick intake for operators and tests. */
@RestController
@RequestMapping("/api/v1")
class PriceController {

    static final URI UNKNOWN_SYMBOL = URI.create("https://backstop.io/problems/unknown-symbol");
    static final URI TICK_IGNORED = URI.create("https://backstop.io/problems/tick-ignored");
    static final URI BAD_RANGE = URI.create("https://backstop.io/problems/bad-range");
    private static final int MAX_HISTORY = 10_000;

    private final PricingEngine engine;
    private final PriceHistory history;
    private final MarketData marketData;
    private final EventJson json;
    private final WebLimits limits;

    PriceController(PricingEngine engine, PriceHistory history, MarketData marketData, EventJson json,
                    WebLimits limits) {
        this.engine = engine;
        this.history = history;
        this.marketData = marketData;
        this.json = json;
        this.limits = limits;
    }

    @GetMapping("/prices")
    @Operation(summary = "The latest published price of every configured symbol")
    List<PriceView> prices() {
        return engine.pricers().stream().map(this::view).toList();
    }

    @GetMapping("/prices/{symbol}")
    @Operation(summary = "The latest published price of a symbol, with its sources and why any was left out")
    PriceView price(@PathVariable String symbol) {
        return view(pricer(symbol));
    }

    @GetMapping("/prices/{symbol}/history")
    @Operation(summary = "Published prices of a symbol in [from, to] (ISO-8601; default the last hour), oldest first")
    List<PriceView> history(@PathVariable String symbol, @RequestParam(required = false) Instant from,
                            @RequestParam(required = false) Instant to,
                            @RequestParam(defaultValue = "1000") int limit) {
        SymbolPricer pricer = pricer(symbol);
        Instant end = to != null ? to : engine.now();
        Instant start = from != null ? from : end.minus(Duration.ofHours(1));
        if (start.isAfter(end)) {
            throw badParameter("from", "from (" + start + ") is after to (" + end + ")");
        }
        if (limit < 1 || limit > MAX_HISTORY) {
            throw badParameter("limit", "limit must be between 1 and " + MAX_HISTORY + ", got " + limit);
        }
        return history.range(pricer.spec().symbol(), start, end, limit).stream().map(PriceView::of).toList();
    }

    @PostMapping(path = "/ticks", consumes = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "Feed one venue tick, validated like market.ticks (decimals as strings)",
            requestBody = @io.swagger.v3.oas.annotations.parameters.RequestBody(content = @Content(
                    schema = @Schema(implementation = VenueTickObserved.class))))
    ResponseEntity<TickReceipt> tick(@RequestBody byte[] body) {
        VenueTickObserved tick = json.decodePayload(VenueTickObserved.class, body, "POST /api/v1/ticks",
                limits.maxStringLength());
        TickOutcome outcome = marketData.tick(tick).orElseThrow(() -> new IllegalStateException("tick failed"));
        if (outcome != TickOutcome.ACCEPTED) {
            ProblemDetail detail = ProblemDetail.forStatusAndDetail(HttpStatus.UNPROCESSABLE_CONTENT,
                    "The tick was valid but not used: " + outcome);
            detail.setType(TICK_IGNORED);
            detail.setTitle("Tick ignored");
            detail.setProperty("reason", outcome.name());
            throw new ErrorResponseException(HttpStatus.UNPROCESSABLE_CONTENT, detail, null);
        }
        return ResponseEntity.accepted().body(new TickReceipt(tick.symbol(), tick.venue(), outcome));
    }

    record TickReceipt(String symbol, String venue, TickOutcome outcome) {
    }

    private SymbolPricer pricer(String symbol) {
        return engine.pricer(symbol.toUpperCase(Locale.ROOT)).orElseThrow(() -> problem(HttpStatus.NOT_FOUND,
                UNKNOWN_SYMBOL, "Unknown symbol", "No symbol '" + symbol + "' is configured"));
    }

    private PriceView view(SymbolPricer pricer) {
        return pricer.lastPublished().map(PriceView::of).orElseGet(() -> PriceView.never(pricer.spec().symbol()));
    }

    /** A query parameter out of its range: 400 naming it, like every other bad field (see the kit's advice). */
    private static ErrorResponseException badParameter(String field, String detail) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, detail);
        problem.setType(BAD_RANGE);
        problem.setTitle("Invalid field '" + field + "'");
        problem.setProperty("field", field);
        problem.setProperty("reason", "invalid_value");
        return new ErrorResponseException(HttpStatus.BAD_REQUEST, problem, null);
    }

    private static ErrorResponseException problem(HttpStatus status, URI type, String title, String detail) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
        problem.setType(type);
        problem.setTitle(title);
        return new ErrorResponseException(status, problem, null);
    }
}

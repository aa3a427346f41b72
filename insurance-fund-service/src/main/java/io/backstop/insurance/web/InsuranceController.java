package io.backstop.insurance.web;

import io.backstop.events.InvalidField;
import io.backstop.insurance.config.InsuranceProperties;
import io.backstop.insurance.engine.AdlStore;
import io.backstop.insurance.engine.FundFigures;
import io.backstop.insurance.engine.InsuranceDesk;
import io.backstop.insurance.engine.InsuranceStore;
import io.backstop.insurance.engine.UnknownFund;
import io.backstop.insurance.fund.FundView;
import io.backstop.insurance.waterfall.AdlQueue;
import io.backstop.kit.prices.PriceBoard;
import io.swagger.v3.oas.annotations.Operation;
import java.math.BigDecimal;
import java.math.MathContext;
import java.net.URI;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The fund's transparency API: funds with coverage and history, each shortfall's waterfall, the ADL
 * queues, each account's place on them (a trader's own ADL indicator), the ledger check, and operator deposits.
 */
@RestController
@RequestMapping("/api/v1")
class InsuranceController {

    /** Longest idempotency key accepted: a client's UUID or request id, never a document. */
    static final int MAX_KEY = 128;

    private final InsuranceDesk desk;
    private final FundFigures figures;
    private final InsuranceStore store;
    private final AdlStore positions;
    private final InsuranceProperties properties;
    private final PriceBoard prices;
    private final JsonMapper mapper;
    private final QueueHeads heads;

    InsuranceController(InsuranceDesk desk, FundFigures figures, InsuranceStore store, AdlStore positions,
                        InsuranceProperties properties, PriceBoard prices, io.backstop.events.json.EventJson json,
                        Clock clock) {
        this.desk = desk;
        this.figures = figures;
        this.store = store;
        this.positions = positions;
        this.properties = properties;
        this.prices = prices;
        this.mapper = json.mapper();
        this.heads = new QueueHeads(positions, properties.ranking(), clock);
    }

    /** A fund and its latest money movements. */
    record FundWithHistory(FundView fund, List<InsuranceStore.FundMovement> history) {
    }

    @GetMapping("/fund")
    Map<String, Object> funds(@RequestParam(defaultValue = "20") int history) {
        checkLimit("history", history);
        List<FundWithHistory> funds = new ArrayList<>();
        for (String group : properties.groups().keySet()) {
            funds.add(new FundWithHistory(figures.view(group), store.fundHistory(group, history)));
        }
        return Map.of("funds", funds);
    }

    @GetMapping("/fund/{group}")
    FundWithHistory fund(@PathVariable String group, @RequestParam(defaultValue = "100") int history) {
        checkLimit("history", history);
        return new FundWithHistory(figures.view(group), store.fundHistory(group, history));
    }

    /** An operator deposit; {@code idempotencyKey} (body or {@code Idempotency-Key} header) makes a retry safe. */
    record DepositRequest(BigDecimal amount, String idempotencyKey) {
    }

    @PostMapping("/fund/{group}/deposits")
    ResponseEntity<InsuranceDesk.Deposit> deposit(@PathVariable String group, @RequestBody DepositRequest request,
                                                  @RequestHeader(name = "Idempotency-Key", required = false) String header) {
        if (request.amount() == null || request.amount().signum() <= 0) {
            throw new InvalidField("amount", request.amount() == null ? "is required"
                    : "must be a positive decimal, got " + request.amount().toPlainString());
        }
        String key = request.idempotencyKey() != null ? request.idempotencyKey() : header;
        if (key == null || key.isBlank()) {
            throw new InvalidField("idempotencyKey", "is required (in the body or the Idempotency-Key header)"
                    + " so a retried deposit is not paid twice");
        }
        if (key.length() > MAX_KEY) {
            throw new InvalidField(request.idempotencyKey() != null ? "idempotencyKey" : "Idempotency-Key",
                    "must be at most " + MAX_KEY + " characters, got " + key.length());
        }
        InsuranceDesk.Deposit deposit = desk.deposit(group, request.amount(), key);
        return deposit.applied()
                ? ResponseEntity.created(URI.create("/api/v1/fund/" + group)).body(deposit)
                : ResponseEntity.ok(deposit);
    }

    @GetMapping("/waterfall/{shortfallId}")
    ResponseEntity<JsonNode> waterfall(@PathVariable UUID shortfallId) {
        return store.waterfall(shortfallId).map(json -> ResponseEntity.ok(mapper.readTree(json)))
                .orElseThrow(() -> new NotFound("no waterfall for shortfall " + shortfallId
                        + " (not received yet, or not a shortfall id)"));
    }

    /**
     * One side's queue: the first {@code limit} positions with their rank, score and indicator (4 = first fifth),
     * as {@link AdlQueue#rank} ranks the whole side at the mark shown, from the head of the side read and counted at
     * most {@link QueueHeads#MAX_AGE} ago. The side is the one the ADL step walks: a position margin answered closed
     * (the fund passes over it until a newer snapshot of its account) is neither listed nor counted. A trader reads
     * its own place with {@link #adlAccount}.
     */
    @Operation(summary = "One side's ADL queue at the mark: the first positions with rank, score and indicator (4 ="
            + " first fifth), and the side's count; positions margin answered closed are passed over, as the ADL step"
            + " passes over them, until a newer snapshot of their account")
    @GetMapping("/adl/{symbol}/queue")
    Map<String, Object> adlQueue(@PathVariable String symbol, @RequestParam(required = false) String side,
                                 @RequestParam(defaultValue = "50") int limit) {
        checkLimit("limit", limit);
        if (properties.groupOf(symbol).isEmpty()) {
            throw new NotFound("symbol '" + symbol + "' belongs to no fund group");
        }
        BigDecimal mark = prices.mark(symbol).orElseThrow(() -> new Unavailable("no mark price of " + symbol
                + " yet; the queue is ranked at the mark"));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("symbol", symbol);
        body.put("markPrice", mark);
        body.put("ranking", properties.ranking().name());
        List<String> sides = side == null ? List.of("LONG", "SHORT") : List.of(side.toUpperCase(java.util.Locale.ROOT));
        for (String s : sides) {
            if (!s.equals("LONG") && !s.equals("SHORT")) {
                throw new InvalidField("side", "must be LONG or SHORT");
            }
            boolean longs = s.equals("LONG");
            QueueHeads.Head head = heads.head(symbol, longs, mark);
            List<Map<String, Object>> entries = new ArrayList<>();
            for (AdlQueue.Ranked r : head.entries().subList(0, Math.min(limit, head.entries().size()))) {
                Map<String, Object> e = new LinkedHashMap<>();
                e.put("rank", r.rank());
                e.put("accountId", r.candidate().accountId());
                e.put("size", r.candidate().size());
                e.put("entryPrice", r.candidate().entryPrice());
                e.put("unrealizedPnl", r.candidate().unrealizedPnl());
                e.put("score", r.score().round(new MathContext(12)));
                e.put("indicator", r.indicator());
                entries.add(e);
            }
            Map<String, Object> sideBody = new LinkedHashMap<>();
            sideBody.put("positions", (long) head.sideSize());
            sideBody.put("entries", entries);
            body.put(s.toLowerCase(java.util.Locale.ROOT), sideBody);
        }
        return body;
    }

    /**
     * One position of an account on its side's ADL queue, as {@link #adlQueue} shows it: its {@code rank} among the
     * side's {@code sidePositions} positions (1 is deleveraged first), its {@code indicator} (4 = the first fifth, 0 =
     * the last; {@link AdlQueue#indicator}) and {@code score}, valued at {@code markPrice}.
     */
    record AdlStanding(String symbol, String side, int rank, long sidePositions, int indicator, BigDecimal score,
                       BigDecimal size, BigDecimal entryPrice, BigDecimal unrealizedPnl, BigDecimal markPrice) {
    }

    /** An account's ADL indicator: each of its positions the fund knows, on a symbol a fund covers. */
    record AccountAdl(String accountId, String ranking, List<AdlStanding> positions) {
    }

    /**
     * A trader's own ADL indicator (an operator's view of any account's): for each position the fund knows of the
     * account, its place on the queue of its symbol and side, ranked as the queue endpoint ranks it (exactly, without
     * reading the side: {@link AdlStore#standing}). A position that disappears between the reads (a newer snapshot)
     * is left out, and so is one margin answered closed, which the ADL step passes over.
     */
    @Operation(summary = "An account's ADL indicator: each of its positions' rank, indicator and score on its side's"
            + " queue, counted as the queue endpoint counts (positions margin answered closed passed over, its own"
            + " left out)")
    @GetMapping("/adl/accounts/{accountId}")
    AccountAdl adlAccount(@PathVariable String accountId) {
        Map<String, BigDecimal> held = new LinkedHashMap<>();
        positions.positionsOf(accountId).forEach((symbol, size) -> {
            if (properties.groupOf(symbol).isPresent()) {
                held.put(symbol, size);
            }
        });
        if (held.isEmpty()) {
            throw noPositionOf(accountId);
        }
        Map<String, BigDecimal> marks = new LinkedHashMap<>();
        for (String symbol : held.keySet()) {
            marks.put(symbol, prices.mark(symbol).orElseThrow(() -> new Unavailable("no mark price of " + symbol
                    + " yet; the queue is ranked at the mark")));
        }
        List<AdlStanding> standings = new ArrayList<>();
        for (Map.Entry<String, BigDecimal> position : held.entrySet()) {
            String symbol = position.getKey();
            boolean longs = position.getValue().signum() > 0;
            BigDecimal mark = marks.get(symbol);
            positions.standing(symbol, longs, mark, properties.ranking(), accountId).ifPresent(r ->
                    standings.add(new AdlStanding(symbol, longs ? "LONG" : "SHORT", r.rank(), r.sideSize(),
                            AdlQueue.indicator(r.rank() - 1, r.sideSize()),
                            properties.ranking().score(r.candidate()).round(new MathContext(12)), r.candidate().size(),
                            r.candidate().entryPrice(), r.candidate().unrealizedPnl(), mark)));
        }
        if (standings.isEmpty()) {
            throw noPositionOf(accountId);
        }
        return new AccountAdl(accountId, properties.ranking().name(), standings);
    }

    private static NotFound noPositionOf(String accountId) {
        return new NotFound("the fund knows no position of account '" + accountId + "' on a symbol a fund covers"
                + " (it learns them from margin-service's account.positions)");
    }

    @GetMapping("/ledger/check")
    Map<String, Object> ledgerCheck() {
        List<InsuranceStore.Difference> differences = store.check();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("clean", differences.isEmpty());
        body.put("differences", differences);
        body.putAll(store.ledgerCounts());
        return body;
    }

    private static void checkLimit(String name, int value) {
        if (value < 1 || value > 1000) {
            throw new InvalidField(name, "must be between 1 and 1000, got " + value);
        }
    }

    static final class NotFound extends RuntimeException {
        NotFound(String message) {
            super(message);
        }
    }

    static final class Unavailable extends RuntimeException {
        Unavailable(String message) {
            super(message);
        }
    }

    @ExceptionHandler({NotFound.class, UnknownFund.class})
    ProblemDetail notFound(RuntimeException e) {
        return problem(HttpStatus.NOT_FOUND, "Not found", e.getMessage());
    }

    @ExceptionHandler(Unavailable.class)
    ResponseEntity<ProblemDetail> unavailable(Unavailable e) {
        return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE).header("Retry-After", "1")
                .body(problem(HttpStatus.SERVICE_UNAVAILABLE, "Not ready", e.getMessage()));
    }

    private static ProblemDetail problem(HttpStatus status, String title, String detail) {
        ProblemDetail p = ProblemDetail.forStatusAndDetail(status, detail);
        p.setTitle(title);
        return p;
    }
}

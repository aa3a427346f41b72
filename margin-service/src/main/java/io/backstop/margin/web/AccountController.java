package io.backstop.margin.web;

import io.backstop.events.Contract;
import io.backstop.events.EventEnvelope;
import io.backstop.events.EventType;
import io.backstop.events.InvalidField;
import io.backstop.events.MarginMode;
import io.backstop.events.Side;
import io.backstop.events.trading.TradeFilled;
import io.backstop.margin.decision.AccountRequests.Withdrawal;
import io.backstop.margin.engine.AccountCommands;
import io.backstop.margin.engine.AccountReads;
import io.backstop.margin.engine.AccountView;
import io.backstop.margin.engine.ConsumedEvents;
import io.backstop.margin.engine.EngineBusy;
import io.backstop.margin.engine.KeyReused;
import io.backstop.margin.engine.NotOwned;
import io.backstop.margin.engine.UnknownAccount;
import io.backstop.margin.risk.AccountRisk;
import io.swagger.v3.oas.annotations.Operation;
import java.math.BigDecimal;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.ErrorResponseException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * Accounts over REST: creation, deposits, withdrawals (refused with the shortfall when they would
 * breach initial margin), fills for the stress lab and tests, and risk read from memory, never from
 * one SQL query per request. Amounts are decimal strings in the asset's units.
 */
@RestController
@RequestMapping("/api/v1/accounts")
class AccountController {

    static final URI UNKNOWN_ACCOUNT = URI.create("https://backstop.io/problems/unknown-account");
    static final URI WITHDRAWAL_REFUSED = URI.create("https://backstop.io/problems/withdrawal-refused");
    static final URI ACCOUNT_EXISTS = URI.create("https://backstop.io/problems/account-exists");
    static final URI ACCOUNT_ELSEWHERE = URI.create("https://backstop.io/problems/account-elsewhere");
    static final URI NOT_YET_OWNING = URI.create("https://backstop.io/problems/no-partitions-yet");
    static final URI ENGINE_BUSY = URI.create("https://backstop.io/problems/engine-busy");
    static final URI KEY_REUSED = URI.create("https://backstop.io/problems/idempotency-key-reused");

    private final AccountReads reads;
    private final AccountCommands commands;
    private final ConsumedEvents events;
    private final Clock clock;

    AccountController(AccountReads reads, AccountCommands commands, ConsumedEvents events, Clock clock) {
        this.reads = reads;
        this.commands = commands;
        this.events = events;
        this.clock = clock;
    }

    record NewAccount(String accountId) {
    }

    record Transfer(String asset, BigDecimal amount) {
        Transfer {
            Contract.text("asset", asset);
            Contract.positive("amount", amount);
        }
    }

    record Fill(String tradeId, String symbol, Side side, BigDecimal quantity, BigDecimal price, BigDecimal fee,
                String feeAsset, MarginMode marginMode, BigDecimal isolatedMarginDelta) {
    }

    record Created(String accountId) {
    }

    /** An account's balance of an asset after a deposit or withdrawal, and whether the request was applied now. */
    record Balance(String accountId, String asset, BigDecimal balance, boolean applied) {
    }

    record FillReceipt(String accountId, String tradeId, boolean applied) {
    }

    @PostMapping
    @Operation(summary = "Open an account (with the given id, or a new one)")
    ResponseEntity<Created> create(@RequestBody(required = false) NewAccount request) {
        String id = request == null || request.accountId() == null || request.accountId().isBlank()
                ? UUID.randomUUID().toString() : request.accountId();
        if (commands.createAccount(id) == AccountCommands.Created.EXISTS) {
            throw problem(HttpStatus.CONFLICT, ACCOUNT_EXISTS, "Account exists", "account '" + id + "' already exists");
        }
        return ResponseEntity.created(URI.create("/api/v1/accounts/" + id)).body(new Created(id));
    }

    @PostMapping("/{id}/deposits")
    @Operation(summary = "Credit collateral; with an Idempotency-Key header, once however often it is retried"
            + " (applied: false on a retry of a request applied before)")
    Balance deposit(@PathVariable String id, @RequestBody Transfer transfer,
                    @RequestHeader(name = IDEMPOTENCY_KEY, required = false) String key) {
        boolean applied = commands.deposit(id, transfer.asset(), transfer.amount(),
                requestKey(key, id, "deposits", transfer));
        return balance(id, transfer.asset(), applied);
    }

    @PostMapping("/{id}/withdrawals")
    @Operation(summary = "Take collateral out; refused (422, with the shortfall) if it would breach initial margin;"
            + " with an Idempotency-Key header, once however often it is retried (applied: false on a retry of a"
            + " request applied before)")
    Balance withdraw(@PathVariable String id, @RequestBody Transfer transfer,
                     @RequestHeader(name = IDEMPOTENCY_KEY, required = false) String key) {
        AccountCommands.Keyed<Withdrawal> keyed = commands.withdraw(id, transfer.asset(), transfer.amount(),
                requestKey(key, id, "withdrawals", transfer));
        Withdrawal outcome = keyed.outcome();
        if (outcome.result() != Withdrawal.Result.ACCEPTED) {
            ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.UNPROCESSABLE_CONTENT,
                    "Withdrawal of " + transfer.amount().toPlainString() + " " + transfer.asset() + " refused: "
                            + outcome.detail());
            problem.setType(WITHDRAWAL_REFUSED);
            problem.setTitle("Withdrawal refused");
            problem.setProperty("reason", outcome.result().name());
            if (outcome.shortfall() != null) {
                problem.setProperty("shortfall", outcome.shortfall().toPlainString());
            }
            throw new ErrorResponseException(HttpStatus.UNPROCESSABLE_CONTENT, problem, null);
        }
        return balance(id, transfer.asset(), keyed.applied());
    }

    /** The header naming a deposit or withdrawal, so that a retry of it is applied once. */
    static final String IDEMPOTENCY_KEY = "Idempotency-Key";
    /** Longest idempotency key taken: a UUID or a client's own request id, as long as the fund's deposit takes. */
    static final int MAX_KEY = 128;

    private static AccountCommands.RequestKey requestKey(String key, String accountId, String action,
                                                         Transfer transfer) {
        if (key != null && (key.isBlank() || key.length() > MAX_KEY)) {
            throw new InvalidField(IDEMPOTENCY_KEY, key.isBlank() ? "must not be blank when sent"
                    : "must be at most " + MAX_KEY + " characters, got " + key.length());
        }
        return AccountCommands.RequestKey.of(key, accountId, action, transfer.asset(), transfer.amount());
    }

    @PostMapping("/{id}/fills")
    @Operation(summary = "Apply a trade as if from trades.fills (idempotent by tradeId); production fills come over Kafka")
    FillReceipt fill(@PathVariable String id, @RequestBody Fill fill) {
        TradeFilled trade = new TradeFilled(fill.tradeId(), id, fill.symbol(), fill.side(), fill.quantity(),
                fill.price(), fill.fee() == null ? BigDecimal.ZERO : fill.fee(),
                fill.feeAsset() == null ? reads.settlementAsset() : fill.feeAsset(),
                fill.marginMode() == null ? MarginMode.CROSS : fill.marginMode(), fill.isolatedMarginDelta());
        UUID eventId = UUID.nameUUIDFromBytes(("trades.fills/" + fill.tradeId()).getBytes(StandardCharsets.UTF_8));
        Instant now = clock.instant();
        EventEnvelope<TradeFilled> event = new EventEnvelope<>(eventId, EventType.TRADE_FILLED,
                EventType.TRADE_FILLED.version(), now, null, null, trade);
        boolean applied = events.apply("POST /api/v1/accounts/" + id + "/fills", -1, -1, event);
        return new FillReceipt(id, fill.tradeId(), applied);
    }

    @GetMapping("/{id}/risk")
    @Operation(summary = "The account valued at the latest oracle prices: equity, margins, collateral, positions, held"
            + " calls, and per scope whether it is below maintenance and which liquidation or hold attends to it")
    RiskView risk(@PathVariable String id) {
        AccountView view = held(id);
        var account = view.detached(reads.settlementAsset());
        AccountRisk risk = reads.margin().calculator().assess(account, reads.prices());
        return RiskView.of(view, risk, reads.margin().standings(account, risk), clock.instant());
    }

    /**
     * One account of the at-risk list. One that cannot be valued now (a price it needs was never received) is listed
     * with the prices it misses and no figures, after every account that can: hiding it would show an empty list
     * while the engine flags thousands.
     */
    record AtRisk(String accountId, String status, BigDecimal marginRatio, BigDecimal equity,
                  BigDecimal maintenanceMargin, SortedSet<String> missingPrices) {

        static AtRisk of(String status, AccountRisk risk) {
            return risk.priced()
                    ? new AtRisk(risk.accountId(), status, risk.marginRatio(), risk.equity(), risk.maintenanceMargin(),
                    Collections.emptySortedSet())
                    : new AtRisk(risk.accountId(), status, null, null, null, new TreeSet<>(risk.missing()));
        }

        boolean priced() {
            return missingPrices.isEmpty();
        }
    }

    /** Least headroom first: no positive equity, then the highest margin ratio; those not valued last; ties by id. */
    static final Comparator<AtRisk> LEAST_HEADROOM_FIRST = Comparator.comparing((AtRisk a) -> !a.priced())
            .thenComparing(a -> a.marginRatio() == null ? BigDecimal.valueOf(Long.MAX_VALUE) : a.marginRatio(),
                    Comparator.reverseOrder())
            .thenComparing(AtRisk::accountId);

    @GetMapping("/at-risk")
    @Operation(summary = "Accounts at or beyond the alert ratio (maintenance / equity) in a scope, or not HEALTHY, "
            + "least headroom first (highest margin ratio), valued now; chosen by their margin ratio at the engine's "
            + "last review of each. An account that cannot be valued now is listed last, with the prices it misses "
            + "(missingPrices) and no figures")
    List<AtRisk> atRisk(@RequestParam(defaultValue = "20") int limit) {
        if (limit < 1 || limit > 1000) {
            throw new InvalidField("limit", "must be between 1 and 1000, got " + limit);
        }
        // the engine's screen names the candidates with the ratio of their last review: twice the page is valued now
        // (a price that moved an account within its screen band since may reorder it), not every flagged account
        List<AtRisk> all = new ArrayList<>();
        for (String id : reads.mostAtRisk(2 * limit)) {
            valuedNow(id).ifPresent(all::add);
        }
        all.sort(LEAST_HEADROOM_FIRST);
        return all.subList(0, Math.min(limit, all.size()));
    }

    /** The whole at-risk list, page after page, for an operator's export (docs/capacity.md). */
    @GetMapping("/at-risk/all")
    @Operation(summary = "Every account of the at-risk list, a page at a time, in the order of the engine's last"
            + " review of each (highest margin ratio then, no positive equity first, ties by id), each valued now"
            + " (unpriced: missingPrices, no figures). The next page is in the Link header (rel=\"next\"); none"
            + " after the last. A page may hold fewer than limit (an account left since). An account reviewed again"
            + " between two pages is where its new review puts it: before the cursor it is not listed again")
    ResponseEntity<List<AtRisk>> atRiskAll(@RequestParam(defaultValue = "100") int limit,
                                           @RequestParam(required = false) String after) {
        if (limit < 1 || limit > 1000) {
            throw new InvalidField("limit", "must be between 1 and 1000, got " + limit);
        }
        List<AccountReads.Rank> ranks = reads.rankedAfter(after == null ? null : AtRiskCursor.decode(after),
                limit + 1);
        List<AccountReads.Rank> page = ranks.subList(0, Math.min(limit, ranks.size()));
        List<AtRisk> valued = new ArrayList<>(page.size());
        page.forEach(rank -> valuedNow(rank.accountId()).ifPresent(valued::add));
        ResponseEntity.BodyBuilder answer = ResponseEntity.ok();
        if (ranks.size() > limit) {
            answer.header("Link", "</api/v1/accounts/at-risk/all?limit=" + limit + "&after="
                    + AtRiskCursor.encode(page.get(page.size() - 1)) + ">; rel=\"next\"");
        }
        return answer.body(valued);
    }

    /** The account as the at-risk list shows it, valued now; empty once it is gone or holds no position. */
    private java.util.Optional<AtRisk> valuedNow(String accountId) {
        return reads.view(accountId).filter(view -> !view.positions().isEmpty())
                .map(view -> AtRisk.of(view.status().name(), reads.margin().calculator().assess(
                        view.detached(reads.settlementAsset()), reads.prices())));
    }

    /**
     * An account on a partition another instance owns: 421 Misdirected Request, naming the partition,
     * so a router can send it to the owner; before this instance owns anything: 503 with Retry-After.
     */
    @ExceptionHandler(NotOwned.class)
    ResponseEntity<ProblemDetail> notOwned(NotOwned e) {
        boolean starting = e.partition() < 0;
        HttpStatus status = starting ? HttpStatus.SERVICE_UNAVAILABLE : HttpStatus.MISDIRECTED_REQUEST;
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, e.getMessage());
        problem.setType(starting ? NOT_YET_OWNING : ACCOUNT_ELSEWHERE);
        problem.setTitle(starting ? "No partitions owned yet" : "Account owned by another instance");
        problem.setProperty("accountId", e.accountId());
        if (!starting) {
            problem.setProperty("partition", e.partition());
        }
        ResponseEntity.BodyBuilder response = ResponseEntity.status(status);
        if (starting) {
            response.header("Retry-After", "1");
        }
        return response.body(problem);
    }

    /**
     * A command the account engine could not take now (busy with a takeover's first re-marks, or reloading after a
     * failed commit): 503 with Retry-After, as for an instance that owns nothing yet, so a client or router backs
     * off instead of reading a server error.
     */
    @ExceptionHandler(EngineBusy.class)
    ResponseEntity<ProblemDetail> engineBusy(EngineBusy e) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.SERVICE_UNAVAILABLE, e.getMessage());
        problem.setType(ENGINE_BUSY);
        problem.setTitle("Account engine busy");
        return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE)
                .header("Retry-After", Long.toString(Math.max(1, e.retryAfter().toSeconds()))).body(problem);
    }

    /** The committed account, if this instance owns it. */
    private AccountView held(String id) {
        reads.requireOwned(id);
        return reads.view(id).orElseThrow(() -> new UnknownAccount(id));
    }

    /** An idempotency key already used on the account for another request: 422, naming that request. */
    @ExceptionHandler(KeyReused.class)
    ProblemDetail keyReused(KeyReused e) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.UNPROCESSABLE_CONTENT, e.getMessage());
        problem.setType(KEY_REUSED);
        problem.setTitle("Idempotency key reused");
        problem.setProperty("earlierRequest", e.earlier());
        return problem;
    }

    @ExceptionHandler(UnknownAccount.class)
    ProblemDetail unknown(UnknownAccount e) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.NOT_FOUND, e.getMessage());
        problem.setType(UNKNOWN_ACCOUNT);
        problem.setTitle("Unknown account");
        return problem;
    }

    private Balance balance(String id, String asset, boolean applied) {
        AccountView view = held(id);
        return new Balance(id, asset, view.balances().getOrDefault(asset, BigDecimal.ZERO), applied);
    }

    private static ErrorResponseException problem(HttpStatus status, URI type, String title, String detail) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
        problem.setType(type);
        problem.setTitle(title);
        return new ErrorResponseException(status, problem, null);
    }
}

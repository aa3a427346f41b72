package io.backstop.margin.engine;

import io.backstop.kit.inbox.Inbox;
import io.backstop.margin.account.Account;
import io.backstop.margin.decision.AccountRequests;
import io.backstop.margin.decision.AccountRequests.Withdrawal;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * The account owner's requests over REST, run on the account engine's thread: only for an account this
 * instance owns ({@link NotOwned}); what they decide is {@link AccountRequests}'s. A deposit or withdrawal sent with
 * an idempotency key is applied once however often it is sent: the key is recorded in the inbox in the transaction
 * that applies the request, so a client told "ask again" (the engine busy, a commit failed, a timeout) retries with
 * the same key without paying or withdrawing twice, for as long as the inbox keeps what it processed.
 */
public class AccountCommands {

    private final AccountEngine engine;
    private final AccountReads reads;
    private final Inbox inbox;
    private final AccountRequests requests;

    public AccountCommands(AccountEngine engine, AccountReads reads, Inbox inbox, AccountRequests requests) {
        this.engine = engine;
        this.reads = reads;
        this.inbox = inbox;
        this.requests = requests;
    }

    /**
     * A request's idempotency key on an account, and what the request was: recorded as a delivery whose id is the
     * key's, whose topic says the request ({@code POST /api/v1/accounts/a/deposits 100 USDT}), so that the same key on
     * another request is told apart from a retry.
     */
    public record RequestKey(String key, UUID id, String request) {

        /** A key for {@code action} ("deposits", "withdrawals") of {@code amount} {@code asset}; null without one. */
        public static RequestKey of(String key, String accountId, String action, String asset, BigDecimal amount) {
            if (key == null) {
                return null;
            }
            UUID id = UUID.nameUUIDFromBytes(("account-request/" + accountId + "/" + key)
                    .getBytes(StandardCharsets.UTF_8));
            return new RequestKey(key, id, "POST /api/v1/accounts/" + accountId + "/" + action + " "
                    + amount.stripTrailingZeros().toPlainString() + " " + asset);
        }
    }

    public enum Created { CREATED, EXISTS }

    public Created createAccount(String accountId) {
        return engine.call(batch -> {
            reads.requireOwned(accountId);
            if (batch.held().holds(accountId)) {
                return Created.EXISTS;
            }
            Account account = requests.open(accountId);
            batch.held().create(account);
            batch.changed(account, true);
            batch.created.add(accountId);
            return Created.CREATED;
        });
    }

    /** Credits collateral; false when {@code key}'s request was applied before (nothing changes then). */
    public boolean deposit(String accountId, String asset, BigDecimal amount, RequestKey key) {
        return engine.call(batch -> {
            reads.requireOwned(accountId);
            Account account = require(batch, accountId);
            requests.requireAsset(asset);
            if (appliedBefore(batch, key)) {
                return false;
            }
            batch.changed(account, true);
            account.deposit(asset, amount);
            batch.review(account);
            recordKey(batch, key);
            return true;
        });
    }

    /**
     * Takes collateral out if {@link AccountRequests#withdrawal} accepts it. A request {@code key} names that was
     * applied before is answered ACCEPTED with {@code applied} false; a refused one records nothing, so its retry is
     * decided again.
     */
    public Keyed<Withdrawal> withdraw(String accountId, String asset, BigDecimal amount, RequestKey key) {
        return engine.call(batch -> {
            reads.requireOwned(accountId);
            Account account = require(batch, accountId);
            requests.requireAsset(asset);
            if (appliedBefore(batch, key)) {
                return new Keyed<>(new Withdrawal(Withdrawal.Result.ACCEPTED, null, "applied before"), false);
            }
            Withdrawal outcome = requests.withdrawal(account, asset, amount, reads.prices());
            if (outcome.result() == Withdrawal.Result.ACCEPTED) {
                batch.changed(account, true);
                account.withdraw(asset, amount);
                batch.review(account);
                recordKey(batch, key);
            }
            return new Keyed<>(outcome, outcome.result() == Withdrawal.Result.ACCEPTED);
        });
    }

    /** What a keyed request decided, and whether it was applied now (false: refused, or applied before). */
    public record Keyed<T>(T outcome, boolean applied) {
    }

    /**
     * Whether {@code key}'s request was applied before, in this round or a committed one.
     *
     * @throws KeyReused the key was used for another request
     */
    private boolean appliedBefore(Batch batch, RequestKey key) {
        if (key == null) {
            return false;
        }
        String earlier = batch.seen.contains(key.id())
                ? batch.deliveries.stream().filter(d -> d.eventId().equals(key.id())).findFirst()
                        .map(Inbox.Delivery::topic).orElseThrow()
                : inbox.topicOf(key.id()).orElse(null);
        if (earlier == null) {
            return false;
        }
        if (!earlier.equals(key.request())) {
            throw new KeyReused(key.key(), earlier);
        }
        return true;
    }

    private static void recordKey(Batch batch, RequestKey key) {
        if (key != null) {
            batch.seen.add(key.id());
            batch.deliveries.add(new Inbox.Delivery(key.id(), key.request(), -1, -1));
        }
    }

    private static Account require(Batch batch, String accountId) {
        Account account = batch.held().get(accountId);
        if (account == null) {
            throw new UnknownAccount(accountId);
        }
        return account;
    }
}

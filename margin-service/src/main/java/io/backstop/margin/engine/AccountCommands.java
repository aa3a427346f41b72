package io.backstop.margin.engine;

import io.backstop.margin.account.Account;
import io.backstop.margin.decision.AccountRequests;
import io.backstop.margin.decision.AccountRequests.Withdrawal;
import java.math.BigDecimal;

/**
 * The account owner's requests over REST, run on the account engine's thread: only for an account this
 * instance owns ({@link NotOwned}); what they decide is {@link AccountRequests}'s.
 */
public class AccountCommands {

    private final AccountEngine engine;
    private final AccountReads reads;
    private final AccountRequests requests;

    public AccountCommands(AccountEngine engine, AccountReads reads, AccountRequests requests) {
        this.engine = engine;
        this.reads = reads;
        this.requests = requests;
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

    public void deposit(String accountId, String asset, BigDecimal amount) {
        engine.call(batch -> {
            reads.requireOwned(accountId);
            Account account = require(batch, accountId);
            requests.requireAsset(asset);
            batch.changed(account, true);
            account.deposit(asset, amount);
            batch.review(account);
            return null;
        });
    }

    public Withdrawal withdraw(String accountId, String asset, BigDecimal amount) {
        return engine.call(batch -> {
            reads.requireOwned(accountId);
            Account account = require(batch, accountId);
            requests.requireAsset(asset);
            Withdrawal outcome = requests.withdrawal(account, asset, amount, reads.prices());
            if (outcome.result() == Withdrawal.Result.ACCEPTED) {
                batch.changed(account, true);
                account.withdraw(asset, amount);
                batch.review(account);
            }
            return outcome;
        });
    }

    private static Account require(Batch batch, String accountId) {
        Account account = batch.held().get(accountId);
        if (account == null) {
            throw new UnknownAccount(accountId);
        }
        return account;
    }
}

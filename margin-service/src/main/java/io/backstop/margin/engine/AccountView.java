package io.backstop.margin.engine;

import io.backstop.margin.account.Account;
import io.backstop.margin.account.AccountStatus;
import io.backstop.margin.account.Position;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

/**
 * An account as last committed, for readers on other threads (the risk API): it shares the account's maps, which
 * are immutable (a change to the account replaces them), so publishing a view copies nothing. Rebuilt into a
 * detached {@link Account} to value it at current prices.
 */
public record AccountView(String id, long version, Map<String, BigDecimal> balances, Map<String, Position> positions,
                          Map<String, Account.Scope> scopes, AccountStatus status) {

    static AccountView of(Account account) {
        return new AccountView(account.id(), account.version(), account.balances(), account.positions(),
                account.scopes(), account.status());
    }

    /** A private, mutable copy (valuation only; never saved). */
    public Account detached(String settlementAsset) {
        Account copy = new Account(id, settlementAsset);
        copy.restore(balances, positions, scopes, Map.of(), version);
        return copy;
    }

    /** Scopes leased to a liquidation that handed a remainder to the fund, until the waterfall has settled it. */
    public long scopesAwaitingWaterfall() {
        return scopes.values().stream().filter(Account.Scope::awaitingWaterfall).count();
    }

    public List<String> heldScopes() {
        return scopes.entrySet().stream().filter(e -> e.getValue().held()).map(Map.Entry::getKey).toList();
    }
}

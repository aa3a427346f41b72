package io.backstop.insurance.fund;

import static org.assertj.core.api.Assertions.assertThat;

import io.backstop.insurance.ledger.LedgerTransaction;
import io.backstop.insurance.ledger.Posting;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Conservation checks for the deciders' tests: nothing is created or lost, to the last unit. */
final class Conservation {

    private Conservation() {
    }

    /** Per (account, asset), what the transactions moved. */
    static Map<String, BigDecimal> moves(List<LedgerTransaction> txs) {
        Map<String, BigDecimal> moves = new TreeMap<>();
        for (LedgerTransaction t : txs) {
            for (Posting p : t.postings()) {
                moves.merge(p.account() + " " + p.asset(), p.amount(), BigDecimal::add);
            }
        }
        return moves;
    }

    /** Every asset's postings sum to zero, over all the transactions together and in each one. */
    static void assertBalanced(List<LedgerTransaction> txs) {
        Map<String, BigDecimal> byAsset = new TreeMap<>();
        for (LedgerTransaction t : txs) {
            LedgerTransaction.sums(t.postings()).values()
                    .forEach(sum -> assertThat(sum).as("a transaction of kind " + t.kind()).isZero());
            t.postings().forEach(p -> byAsset.merge(p.asset(), p.amount(), BigDecimal::add));
        }
        byAsset.forEach((asset, sum) -> assertThat(sum).as(asset).isEqualByComparingTo("0"));
    }

    static BigDecimal moved(List<LedgerTransaction> txs, String account, String asset) {
        return moves(txs).getOrDefault(account + " " + asset, BigDecimal.ZERO);
    }
}

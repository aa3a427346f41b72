package io.backstop.insurance.ledger;

/** The names of the ledger's accounts. */
public final class LedgerAccounts {

    /** Where operator money comes from: deposits into a fund and the guarantee's injections. */
    public static final String OPERATOR = "operator";

    private LedgerAccounts() {
    }

    /** A fund group's money and the positions it inherited. */
    public static String fund(String group) {
        return "fund:" + group;
    }

    /** A trader's account, as the waterfall sees it: fees paid, deficits covered, losses socialized, positions moved. */
    public static String account(String accountId) {
        return "account:" + accountId;
    }

    /** The exchange's order book on a symbol: the other side of the fund's unwinding trades. */
    public static String market(String symbol) {
        return "market:" + symbol;
    }
}

package io.backstop.margin.engine;

/** An account on a partition another instance owns, or asked before this one owns any (partition -1). */
public final class NotOwned extends RuntimeException {
    private final String accountId;
    private final int partition;

    public NotOwned(String accountId, int partition) {
        super(partition < 0
                ? "this instance owns no partitions yet; account '" + accountId + "' cannot be served now"
                : "account '" + accountId + "' is on partition " + partition
                        + " of the account topics, which another instance owns");
        this.accountId = accountId;
        this.partition = partition;
    }

    public String accountId() {
        return accountId;
    }

    public int partition() {
        return partition;
    }
}

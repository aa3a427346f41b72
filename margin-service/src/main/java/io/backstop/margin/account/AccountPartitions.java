package io.backstop.margin.account;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.utils.Utils;

/**
 * The partition an account's events travel on: Kafka's own rule for a keyed record (murmur2 of the
 * key's bytes, made positive, modulo the partition count), so the instance a partition is assigned to
 * holds exactly the accounts whose events it consumes. Every account-keyed topic has the same count.
 */
public final class AccountPartitions {

    private AccountPartitions() {
    }

    public static int partitionOf(String accountId, int partitionCount) {
        if (partitionCount < 1) {
            throw new IllegalArgumentException("partition count must be positive, got " + partitionCount);
        }
        return Utils.toPositive(Utils.murmur2(accountId.getBytes(StandardCharsets.UTF_8))) % partitionCount;
    }
}

-- Which Kafka partition of the account-keyed topics (trades.fills and the rest) an account's events
-- travel on, for the partition count it was computed with. An instance loads the accounts of the
-- partitions it is assigned and nothing else. Rows whose count differs (new rows from before this
-- column, or a re-partitioned topic) are recomputed by the instance that next takes partitions over.
ALTER TABLE account ADD COLUMN kafka_partition integer;
ALTER TABLE account ADD COLUMN partition_count integer;
CREATE INDEX account_by_partition ON account (partition_count, kafka_partition);

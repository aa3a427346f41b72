package io.backstop.oracle.history;

import java.math.BigDecimal;
import java.time.Instant;
import org.springframework.data.annotation.Id;
import org.springframework.data.jdbc.repository.query.Modifying;
import org.springframework.data.jdbc.repository.query.Query;
import org.springframework.data.relational.core.mapping.Table;
import org.springframework.data.repository.ListCrudRepository;

/**
 * The accepted conversion rate of each collateral asset (its cap survives restarts), a Spring Data JDBC
 * repository: one row per asset, restored whole at start, written when a rate is accepted.
 */
public interface ConversionRates extends ListCrudRepository<ConversionRates.Row, String> {

    /** A row of {@code conversion_rate}. */
    @Table("conversion_rate")
    record Row(@Id String asset, String underlying, BigDecimal rate, String source, Instant observedAt) {
    }

    /**
     * Stores the asset's accepted rate unless a newer one is stored already (a redelivered or late rate
     * never replaces a newer one): an idempotent upsert, so a failed write can simply be repeated.
     */
    @Modifying
    @Query("INSERT INTO conversion_rate (asset, underlying, rate, source, observed_at)"
            + " VALUES (:asset, :underlying, :rate, :source, :observedAt)"
            + " ON CONFLICT (asset) DO UPDATE SET underlying = excluded.underlying, rate = excluded.rate,"
            + " source = excluded.source, observed_at = excluded.observed_at"
            + " WHERE conversion_rate.observed_at < excluded.observed_at")
    void keepNewest(String asset, String underlying, BigDecimal rate, String source, Instant observedAt);
}

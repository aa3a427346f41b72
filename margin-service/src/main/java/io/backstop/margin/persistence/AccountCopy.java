package io.backstop.margin.persistence;

import io.backstop.events.EventEnvelope;
import io.backstop.events.json.EventJson;
import io.backstop.margin.account.Account;
import io.backstop.margin.account.AccountPartitions;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Collection;
import java.util.HexFormat;
import org.postgresql.PGConnection;

/**
 * Margin's bulk path into its own tables: accounts with PostgreSQL {@code COPY}, each row exactly as
 * {@link AccountRepository#saveAll} writes it (the same document, its partition from {@link AccountPartitions}),
 * and the events they emit into the outbox as {@code Outbox} appends them, for the relay to publish. Runs in the
 * caller's transaction on {@code connection}: rows and events commit together or not at all.
 */
public final class AccountCopy {

    private static final String ACCOUNTS = "COPY account (id, version, state, kafka_partition, partition_count)"
            + " FROM STDIN";
    private static final String OUTBOX = "COPY outbox_event (event_id, topic, record_key, event_type, payload)"
            + " FROM STDIN";

    private final AccountRepository documents;
    private final EventJson json;

    public AccountCopy(AccountRepository documents, EventJson json) {
        this.documents = documents;
        this.json = json;
    }

    /** Copies new accounts (an id stored already fails the copy, and so the transaction); returns the rows. */
    public long accounts(Connection connection, Collection<Account> accounts, int partitionCount) throws SQLException {
        ByteArrayOutputStream rows = new ByteArrayOutputStream(accounts.size() * 640);
        for (Account account : accounts) {
            row(rows, escape(account.id()), Long.toString(account.version()), escape(documents.document(account)),
                    Integer.toString(AccountPartitions.partitionOf(account.id(), partitionCount)),
                    Integer.toString(partitionCount));
        }
        return copy(connection, ACCOUNTS, rows);
    }

    /** Appends events to the outbox, in their order (the relay publishes them so). */
    public long outbox(Connection connection, Collection<? extends EventEnvelope<?>> events) throws SQLException {
        ByteArrayOutputStream rows = new ByteArrayOutputStream(events.size() * 900);
        HexFormat hex = HexFormat.of();
        for (EventEnvelope<?> event : events) {
            // bytea in COPY's text format: \x and hex digits, the backslash itself escaped
            row(rows, event.eventId().toString(), escape(event.topic().baseName()), escape(event.key()),
                    escape(event.type().wireName()), "\\\\x" + hex.formatHex(json.encode(event)));
        }
        return copy(connection, OUTBOX, rows);
    }

    private static long copy(Connection connection, String sql, ByteArrayOutputStream rows) throws SQLException {
        try {
            return connection.unwrap(PGConnection.class).getCopyAPI()
                    .copyIn(sql, new ByteArrayInputStream(rows.toByteArray()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void row(ByteArrayOutputStream out, String... columns) {
        for (int i = 0; i < columns.length; i++) {
            if (i > 0) {
                out.write('\t');
            }
            out.writeBytes(columns[i].getBytes(StandardCharsets.UTF_8));
        }
        out.write('\n');
    }

    /** A value in COPY's text format: backslash, tab, newline and carriage return escaped. */
    static String escape(String value) {
        StringBuilder escaped = null;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            String replacement = switch (c) {
                case '\\' -> "\\\\";
                case '\t' -> "\\t";
                case '\n' -> "\\n";
                case '\r' -> "\\r";
                default -> null;
            };
            if (replacement != null && escaped == null) {
                escaped = new StringBuilder(value.length() + 16).append(value, 0, i);
            }
            if (escaped != null) {
                if (replacement != null) {
                    escaped.append(replacement);
                } else {
                    escaped.append(c);
                }
            }
        }
        return escaped == null ? value : escaped.toString();
    }
}

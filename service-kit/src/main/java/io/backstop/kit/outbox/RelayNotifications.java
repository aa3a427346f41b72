package io.backstop.kit.outbox;

import io.backstop.kit.lifecycle.DedicatedThread;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wakes this instance's {@link OutboxRelay} for what other instances of the service do: PostgreSQL {@code LISTEN} on
 * the service's outbox channel, on a connection of its own. An instance whose relay does not lead notifies the
 * channel in every transaction that appends events ({@link Outbox#notifyRelay}); the leader's relay is woken by it.
 * A leader that stops says so on the channel, and a standby relay is woken to take the lock at once. With one
 * instance nothing is notified: its relay leads and its own commits wake it in process.
 */
public class RelayNotifications extends DedicatedThread {

    private static final Logger log = LoggerFactory.getLogger(RelayNotifications.class);
    private static final int WAIT_MILLIS = 1_000;
    /** A connection that hears nothing may be one whose server vanished: it is asked every half a minute. */
    private static final int CHECK_EVERY_QUIET_WAITS = 30;

    private final DataSource dataSource;
    private final String channel;
    private final OutboxRelay relay;

    public RelayNotifications(DataSource dataSource, String channel, OutboxRelay relay) {
        super("outbox-notifications", Duration.ofSeconds(5));
        this.dataSource = dataSource;
        this.channel = channel;
        this.relay = relay;
    }

    @Override
    protected void loop() {
        Connection connection = null;
        long backoffMillis = 100;
        long quietWaits = 0;
        while (running()) {
            try {
                if (connection == null) {
                    connection = listen();
                }
                PGNotification[] notifications = connection.unwrap(PGConnection.class).getNotifications(WAIT_MILLIS);
                backoffMillis = 100;
                if (notifications == null || notifications.length == 0) {
                    if (++quietWaits % CHECK_EVERY_QUIET_WAITS == 0 && !connection.isValid(2)) {
                        throw new SQLException("the listening connection is gone");
                    }
                } else {
                    for (PGNotification notification : notifications) {
                        // appended events concern the leader; a resignation concerns a standby
                        if (OutboxRelay.RESIGNED.equals(notification.getParameter()) != relay.leads()) {
                            relay.wakeUp();
                        }
                    }
                }
            } catch (SQLException | RuntimeException e) {
                log.warn("listening for the outbox's notifications failed, again in {} ms: {}", backoffMillis,
                        e.toString());
                discard(connection);
                connection = null;
                if (!backOff(backoffMillis)) {
                    return;
                }
                backoffMillis = Math.min(backoffMillis * 2, 5_000);
                relay.wakeUp(); // what was notified meanwhile is lost: the relay looks once
            }
        }
        discard(connection);
    }

    private Connection listen() throws SQLException {
        Connection connection = dataSource.getConnection();
        try (Statement statement = connection.createStatement()) {
            connection.setAutoCommit(true);
            statement.execute("LISTEN \"" + channel.replace("\"", "\"\"") + "\"");
            return connection;
        } catch (SQLException | RuntimeException e) {
            discard(connection);
            throw e;
        }
    }

    private void discard(Connection connection) {
        if (connection != null) {
            OutboxRelay.closeForGood(dataSource, connection); // a pooled session would go on listening
        }
    }

    @Override
    protected boolean loopsWhenSimulated() {
        return false; // one instance on simulated time: its relay leads and publishes at every step's end
    }

    @Override
    public int getPhase() {
        return Integer.MAX_VALUE - 1000;
    }
}

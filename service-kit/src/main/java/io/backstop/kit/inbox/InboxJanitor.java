package io.backstop.kit.inbox;

import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import io.backstop.kit.lifecycle.PeriodicWork;

/** Forgets processed eventIds older than the retention, once an hour. */
public class InboxJanitor extends PeriodicWork {

    private static final Logger log = LoggerFactory.getLogger(InboxJanitor.class);

    private final Inbox inbox;
    private final Duration retention;

    public InboxJanitor(Inbox inbox, Duration retention) {
        super("inbox-janitor");
        this.inbox = inbox;
        this.retention = retention;
    }

    @Override
    protected void schedule(Schedule schedule) {
        schedule.every("inbox purge", Duration.ofMinutes(1), Duration.ofHours(1), this::purge);
    }

    private void purge() {
        try {
            int purged = inbox.purgeOlderThan(retention);
            if (purged > 0) {
                log.info("forgot {} processed eventIds older than {}", purged, retention);
            }
        } catch (RuntimeException e) {
            log.warn("inbox purge failed: {}", e.toString());
        }
    }
}

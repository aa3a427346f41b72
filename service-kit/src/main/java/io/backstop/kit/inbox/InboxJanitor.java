package io.backstop.kit.inbox;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/** Forgets processed eventIds older than the retention, once an hour. */
public class InboxJanitor implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(InboxJanitor.class);

    private final Inbox inbox;
    private final Duration retention;
    private ScheduledExecutorService scheduler;

    public InboxJanitor(Inbox inbox, Duration retention) {
        this.inbox = inbox;
        this.retention = retention;
    }

    @Override
    public void start() {
        scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "inbox-janitor");
            t.setDaemon(true);
            return t;
        });
        scheduler.scheduleWithFixedDelay(this::purge, 1, 60, TimeUnit.MINUTES);
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

    @Override
    public void stop() {
        if (scheduler != null) {
            scheduler.shutdownNow();
        }
    }

    @Override
    public boolean isRunning() {
        return scheduler != null && !scheduler.isShutdown();
    }
}

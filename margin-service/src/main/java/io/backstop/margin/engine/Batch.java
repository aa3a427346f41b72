package io.backstop.margin.engine;

import io.backstop.events.EventEnvelope;
import io.backstop.kit.outbox.Outbox;
import io.backstop.kit.inbox.Inbox;
import io.backstop.margin.account.Account;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * What one batch of the account engine changed and will commit in one transaction: the eventIds it
 * took in (inbox), the accounts it changed, the events it emits (outbox). Handed to the work run on the
 * engine's thread, and only there: it is also that work's way to the accounts held ({@link #held()}).
 */
public final class Batch {

    private final HeldAccounts held;
    final Set<UUID> seen = new HashSet<>();
    /** The events taken in: recorded in the inbox with the batch. */
    final List<Inbox.Delivery> deliveries = new ArrayList<>();
    final Map<String, Account> dirty = new LinkedHashMap<>();
    final List<EventEnvelope<?>> events = new ArrayList<>();
    final Set<String> created = new HashSet<>();
    final Set<String> structural = new HashSet<>();
    /** The trace context each emitted event continues, by eventId (none for events decided outside a trace). */
    private final Map<UUID, String> traceParents = new HashMap<>();
    /** Consumed events applied, by topic (counted once committed). */
    final Map<String, Integer> applied = new HashMap<>();
    /** How many times work declared it changes an account ({@link #changed}): tells a task that changed nothing. */
    int changes;

    Batch(HeldAccounts held) {
        this.held = held;
    }

    /**
     * The events emitted from index {@code from} on continue the trace {@code traceParent} (when not null), unless
     * the work that emitted them gave them one already (an event applied within a task keeps its own).
     */
    void traced(int from, String traceParent) {
        if (traceParent != null) {
            events.subList(from, events.size()).forEach(e -> traceParents.putIfAbsent(e.eventId(), traceParent));
        }
    }

    /** The events to append at the commit, each with its trace context. */
    List<Outbox.Outgoing> outgoing() {
        return events.stream().map(e -> new Outbox.Outgoing(e, traceParents.get(e.eventId()))).toList();
    }

    /** The accounts held in memory; valid on the engine's thread, within this batch. */
    HeldAccounts held() {
        return held;
    }

    /** The account is to be saved with the batch; called before changing it, so that a failure reloads it. */
    void changed(Account account, boolean structuralChange) {
        changes++;
        dirty.put(account.id(), account);
        if (structuralChange) {
            structural.add(account.id());
        }
    }

    /** Re-evaluates the account's margin at current prices; queues any call it issues. */
    void review(Account account) {
        held.review(this, account);
    }
}

package io.backstop.kit.kafka;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * How many log lines of one kind (a topic's dead letters for one reason, say) a window of time gets: the first
 * {@code perWindow} are logged, the rest of the window only counted, and the count is handed to the first line of
 * the next window that gets one. A burst of a million bad records then writes a few lines a minute instead of a
 * million, while the metric still counts every one. Time is what the caller says it is.
 */
final class LogBudget {

    /**
     * What to do with one line.
     *
     * @param log            whether to log it
     * @param unloggedBefore lines of its kind not logged in the window before, to say before it (0: none)
     * @param last           whether it is the last of its window's lines: the rest will be counted, not logged
     */
    record Admission(boolean log, long unloggedBefore, boolean last) {
    }

    private static final class Window {
        Instant start;
        int logged;
        long unlogged;
    }

    private final int perWindow;
    private final Duration window;
    private final Map<String, Window> windows = new HashMap<>();

    LogBudget(int perWindow, Duration window) {
        if (perWindow < 1) {
            throw new IllegalArgumentException("a window must allow at least one line, got " + perWindow);
        }
        if (window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("the window must be positive, got " + window);
        }
        this.perWindow = perWindow;
        this.window = window;
    }

    /** One line of {@code kind} at {@code now}. */
    synchronized Admission admit(String kind, Instant now) {
        Window w = windows.computeIfAbsent(kind, k -> new Window());
        long unloggedBefore = 0;
        if (w.start == null || !now.isBefore(w.start.plus(window))) {
            unloggedBefore = w.unlogged;
            w.start = now;
            w.logged = 0;
            w.unlogged = 0;
        }
        if (w.logged < perWindow) {
            w.logged++;
            return new Admission(true, unloggedBefore, w.logged == perWindow);
        }
        w.unlogged++;
        return new Admission(false, 0, false);
    }
}

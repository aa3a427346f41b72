package io.backstop.events;

/** Cross positions share the account's equity; isolated ones have only their own margin. */
public enum MarginMode {
    CROSS,
    ISOLATED
}

package io.backstop.kit.web;

import tools.jackson.databind.JacksonModule;

/** The Jackson modules that hold REST bodies to {@link WebLimits}. */
public final class WebLimitsModules {

    private WebLimitsModules() {
    }

    /** Strings longer than {@code max} characters are refused with {@link io.backstop.events.InvalidField}. */
    public static JacksonModule boundedStrings(int max) {
        return BoundedStrings.module(max);
    }
}

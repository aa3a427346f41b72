package io.backstop.kit.web;

import io.backstop.events.InvalidField;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.util.Map;
import org.springframework.web.servlet.HandlerInterceptor;

/**
 * Query parameters are held to {@link WebLimits#maxStringLength()} like a body's strings: a longer one is
 * refused with {@link InvalidField} naming it, before the handler runs (so {@link ProblemDetailsAdvice}
 * answers 400 without echoing it), instead of being searched for, logged and quoted back.
 */
public final class BoundedParameters implements HandlerInterceptor {

    private final int max;

    public BoundedParameters(int max) {
        this.max = max;
    }

    @Override
    public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler) {
        for (Map.Entry<String, String[]> parameter : request.getParameterMap().entrySet()) {
            for (String value : parameter.getValue()) {
                if (value != null && value.length() > max) {
                    throw new InvalidField(parameter.getKey(), "must be at most " + max + " characters, got "
                            + value.length());
                }
            }
        }
        return true;
    }
}

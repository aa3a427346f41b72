package io.backstop.kit.security;

import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configurers.AuthorizeHttpRequestsConfigurer;

/**
 * A service's rules for its own endpoints (a bean; see {@link Access} for the rules' vocabulary). The kit declares the
 * shared ones first (the status page, health, the API documents, actuator, the simulation) and denies whatever no rule
 * names after them, so a new endpoint without a rule answers 403 to everyone until it gets one.
 */
@FunctionalInterface
public interface AccessRules {

    void declare(AuthorizeHttpRequestsConfigurer<HttpSecurity>.AuthorizationManagerRequestMatcherRegistry rules);
}

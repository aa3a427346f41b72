package io.backstop.oracle.web;

import io.backstop.events.auth.Role;
import io.backstop.kit.security.Access;
import io.backstop.kit.security.AccessRules;
import org.springframework.http.HttpMethod;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configurers.AuthorizeHttpRequestsConfigurer;
import org.springframework.stereotype.Component;

/**
 * Who may call the prices API: index and mark prices are public, as every exchange publishes them (a trader checks
 * the price that marks them); only a market-data feed posts venue ticks, which move the index (docs/security.md).
 */
@Component
class PriceAccess implements AccessRules {

    @Override
    public void declare(AuthorizeHttpRequestsConfigurer<HttpSecurity>.AuthorizationManagerRequestMatcherRegistry rules) {
        rules.requestMatchers(HttpMethod.GET, "/api/v1/prices", "/api/v1/prices/{symbol}",
                "/api/v1/prices/{symbol}/history").permitAll();
        rules.requestMatchers(HttpMethod.POST, "/api/v1/ticks").access(Access.roles(Role.FEED));
    }
}

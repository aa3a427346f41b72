package io.backstop.liquidation.web;

import io.backstop.events.auth.Role;
import io.backstop.kit.security.Access;
import io.backstop.kit.security.AccessRules;
import org.springframework.http.HttpMethod;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configurers.AuthorizeHttpRequestsConfigurer;
import org.springframework.stereotype.Component;

/**
 * Who may read liquidations: the live feed is public (anonymised, as exchanges publish theirs); the history names
 * accounts, so a trader reads only its own ({@code ?accountId=} its account) and an operator everyone's
 * (docs/security.md).
 */
@Component
class LiquidationAccess implements AccessRules {

    @Override
    public void declare(AuthorizeHttpRequestsConfigurer<HttpSecurity>.AuthorizationManagerRequestMatcherRegistry rules) {
        rules.requestMatchers(HttpMethod.GET, "/api/v1/liquidations/stream").permitAll();
        rules.requestMatchers(HttpMethod.GET, "/api/v1/liquidations")
                .access(Access.ownAccountInQuery("accountId", Role.OPERATOR));
    }
}

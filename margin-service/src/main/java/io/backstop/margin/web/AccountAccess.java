package io.backstop.margin.web;

import io.backstop.events.auth.Role;
import io.backstop.kit.security.Access;
import io.backstop.kit.security.AccessRules;
import org.springframework.http.HttpMethod;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configurers.AuthorizeHttpRequestsConfigurer;
import org.springframework.stereotype.Component;

/**
 * Who may call the accounts API: the exchange's trading system moves money and positions on the accounts' behalf; a
 * trader reads its own account's risk, an operator every account's and the at-risk list (docs/security.md).
 */
@Component
class AccountAccess implements AccessRules {

    @Override
    public void declare(AuthorizeHttpRequestsConfigurer<HttpSecurity>.AuthorizationManagerRequestMatcherRegistry rules) {
        rules.requestMatchers(HttpMethod.POST, "/api/v1/accounts", "/api/v1/accounts/{id}/deposits",
                "/api/v1/accounts/{id}/withdrawals", "/api/v1/accounts/{id}/fills").access(Access.roles(Role.EXCHANGE));
        rules.requestMatchers(HttpMethod.GET, "/api/v1/accounts/at-risk", "/api/v1/accounts/at-risk/all")
                .access(Access.roles(Role.OPERATOR));
        rules.requestMatchers(HttpMethod.GET, "/api/v1/accounts/{id}/risk")
                .access(Access.ownAccountInPath("id", Role.OPERATOR));
    }
}

package io.backstop.insurance.web;

import io.backstop.events.auth.Role;
import io.backstop.kit.security.Access;
import io.backstop.kit.security.AccessRules;
import org.springframework.http.HttpMethod;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configurers.AuthorizeHttpRequestsConfigurer;
import org.springframework.stereotype.Component;

/**
 * Who may call the fund's API: operators read the funds, the waterfalls, the ADL queues and the ledger check; a trader
 * reads its own account's place on the ADL queues (an operator any account's); only an administrator pays money into a
 * fund (docs/security.md).
 */
@Component
class InsuranceAccess implements AccessRules {

    @Override
    public void declare(AuthorizeHttpRequestsConfigurer<HttpSecurity>.AuthorizationManagerRequestMatcherRegistry rules) {
        rules.requestMatchers(HttpMethod.POST, "/api/v1/fund/{group}/deposits").access(Access.roles(Role.ADMIN));
        // before the queue's rule: /adl/accounts/{accountId} would also match /adl/{symbol}/queue for an account "queue"
        rules.requestMatchers(HttpMethod.GET, "/api/v1/adl/accounts/{accountId}")
                .access(Access.ownAccountInPath("accountId", Role.OPERATOR));
        rules.requestMatchers(HttpMethod.GET, "/api/v1/fund", "/api/v1/fund/{group}", "/api/v1/waterfall/{shortfallId}",
                "/api/v1/adl/{symbol}/queue", "/api/v1/ledger/check").access(Access.roles(Role.OPERATOR));
    }
}

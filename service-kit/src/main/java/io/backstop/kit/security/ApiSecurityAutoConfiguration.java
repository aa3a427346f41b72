package io.backstop.kit.security;

import io.backstop.events.auth.Role;
import jakarta.servlet.DispatcherType;
import java.util.List;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.security.autoconfigure.SecurityAutoConfiguration;
import org.springframework.boot.security.autoconfigure.UserDetailsServiceAutoConfiguration;
import org.springframework.boot.security.autoconfigure.actuate.web.servlet.ManagementWebSecurityAutoConfiguration;
import org.springframework.boot.security.autoconfigure.web.servlet.ServletWebSecurityAutoConfiguration;
import org.springframework.boot.security.oauth2.server.resource.autoconfigure.servlet.OAuth2ResourceServerAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.http.HttpMethod;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configuration.EnableWebSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtIssuerValidator;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationConverter;
import org.springframework.security.oauth2.server.resource.authentication.JwtGrantedAuthoritiesConverter;
import org.springframework.security.web.SecurityFilterChain;
import tools.jackson.databind.json.JsonMapper;

/**
 * Every Backstop API is an OAuth2 resource server: a request carries a JWT bearer token (io.backstop.events.auth's
 * contract) from the configured issuer, for the configured audience, signed by a key the service trusts — a JWKS in
 * production ({@code spring.security.oauth2.resourceserver.jwt.jwk-set-uri}), the local issuer's public key on this
 * machine ({@code ...jwt.public-key-location}, written by {@code ./backstop up}). Boot builds the decoder from those
 * properties and checks expiry and audience; this adds the issuer check (Boot checks it only with {@code issuer-uri},
 * which would fetch the issuer's metadata) and the rules: the kit's shared endpoints here, each service's own in its
 * {@link AccessRules} bean, every other endpoint denied (an unknown path stays a 404). No token where one is needed is a 401, a token whose roles or
 * account do not reach the resource a 403, both problem+json. See docs/security.md.
 */
@AutoConfiguration(before = {OAuth2ResourceServerAutoConfiguration.class, SecurityAutoConfiguration.class,
        ServletWebSecurityAutoConfiguration.class, ManagementWebSecurityAutoConfiguration.class,
        UserDetailsServiceAutoConfiguration.class})
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@EnableWebSecurity
@org.springframework.boot.context.properties.EnableConfigurationProperties(io.backstop.kit.BackstopProperties.class)
@org.springframework.context.annotation.Import(io.backstop.kit.audit.AuditController.class)
public class ApiSecurityAutoConfiguration {

    /** Only tokens from this issuer ({@code iss}); Boot adds its validators to the decoder it builds. */
    @Bean
    OAuth2TokenValidator<Jwt> backstopIssuerValidator(io.backstop.kit.BackstopProperties backstop) {
        String issuer = backstop.getSecurity().getIssuer();
        if (issuer == null || issuer.isBlank()) {
            throw new IllegalStateException("backstop.security.issuer is not set: the API accepts tokens from one issuer"
                    + " (BACKSTOP_SECURITY_ISSUER; the local runtime's is backstop-local)");
        }
        return new JwtIssuerValidator(issuer);
    }

    @Bean
    io.backstop.kit.audit.AuditTrail backstopAuditTrail(org.springframework.jdbc.core.JdbcTemplate jdbc,
                                                        java.time.Clock clock) {
        return new io.backstop.kit.audit.AuditTrail(jdbc, clock);
    }

    @Bean
    SecurityFilterChain backstopApiSecurity(HttpSecurity http, ObjectProvider<JwtDecoder> decoder,
                                            List<AccessRules> serviceRules, JsonMapper json,
                                            @org.springframework.beans.factory.annotation.Qualifier(
                                                    "requestMappingHandlerMapping")
                                            org.springframework.web.servlet.mvc.method.annotation
                                                    .RequestMappingHandlerMapping controllers,
                                            @Value("${spring.security.oauth2.resourceserver.jwt.audiences:}")
                                            List<String> audiences,
                                            io.backstop.kit.BackstopProperties backstop,
                                            io.micrometer.core.instrument.MeterRegistry meters,
                                            io.backstop.kit.audit.AuditTrail audit,
                                            ObjectProvider<io.micrometer.tracing.Tracer> tracer) throws Exception {
        if (decoder.getIfAvailable() == null) {
            throw new IllegalStateException("no key to verify the API's tokens with: set "
                    + "spring.security.oauth2.resourceserver.jwt.jwk-set-uri (the identity provider's JWKS) or "
                    + "spring.security.oauth2.resourceserver.jwt.public-key-location (the local issuer's "
                    + "issuer-public.pem, which ./backstop up writes)");
        }
        if (audiences.isEmpty()) {
            throw new IllegalStateException("spring.security.oauth2.resourceserver.jwt.audiences is empty: a token "
                    + "meant for another system would be accepted");
        }
        SecurityProblems problems = new SecurityProblems(json);
        JwtGrantedAuthoritiesConverter roles = new JwtGrantedAuthoritiesConverter();
        roles.setAuthoritiesClaimName(io.backstop.events.auth.LocalIssuer.ROLES);
        roles.setAuthorityPrefix("ROLE_");
        JwtAuthenticationConverter authentication = new JwtAuthenticationConverter();
        authentication.setJwtGrantedAuthoritiesConverter(roles);
        http.csrf(csrf -> csrf.disable())
                .httpBasic(basic -> basic.disable())
                .formLogin(form -> form.disable())
                .logout(logout -> logout.disable())
                .requestCache(cache -> cache.disable())
                .sessionManagement(session -> session.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .oauth2ResourceServer(server -> server
                        .jwt(jwt -> jwt.decoder(new VerifiedTokens(decoder.getObject(),
                                        backstop.getSecurity().getVerifiedTokens(),
                                        backstop.getSecurity().getVerifiedFor(), java.time.Clock.systemUTC()))
                                .jwtAuthenticationConverter(authentication))
                        .authenticationEntryPoint(problems)
                        .accessDeniedHandler(problems))
                .exceptionHandling(errors -> errors.authenticationEntryPoint(problems).accessDeniedHandler(problems))
                .authorizeHttpRequests(rules -> {
                    // an error page or the rest of an SSE stream answers a request already authorized
                    rules.dispatcherTypeMatchers(DispatcherType.ERROR, DispatcherType.ASYNC).permitAll();
                    // public: the status page (it must stay truthful and reachable), probes, the API documents
                    rules.requestMatchers(HttpMethod.GET, "/status", "/api/v1/status", "/api/v1/status/self")
                            .permitAll();
                    rules.requestMatchers(HttpMethod.GET, "/actuator/health", "/actuator/health/**").permitAll();
                    rules.requestMatchers(HttpMethod.GET, "/v3/api-docs", "/v3/api-docs/**", "/swagger-ui.html",
                            "/swagger-ui/**").permitAll();
                    // metrics and the rest of actuator: operators (and Prometheus, with an operator's token)
                    rules.requestMatchers("/actuator/**").access(Access.roles(Role.OPERATOR));
                    // a simulation's clock: its state for operators, stepping it for the lab's administrator
                    rules.requestMatchers(HttpMethod.GET, "/api/v1/simulation").access(
                            Access.roles(Role.OPERATOR, Role.ADMIN));
                    rules.requestMatchers(HttpMethod.POST, "/api/v1/simulation/steps").access(Access.roles(Role.ADMIN));
                    // who changed what: for operators
                    rules.requestMatchers(HttpMethod.GET, "/api/v1/audit").access(Access.roles(Role.OPERATOR));
                    serviceRules.forEach(service -> service.declare(rules));
                    // a mapped endpoint no rule names is denied to everyone; an unknown path is a 404 for everyone
                    rules.anyRequest().access(Access.onlyUnmapped(controllers));
                });
        WriteRateLimit writeLimit = new WriteRateLimit(backstop.getSecurity().getWritesPerSecond(), problems,
                meters);
        http.addFilterAfter(writeLimit, org.springframework.security.web.access.intercept.AuthorizationFilter.class);
        http.addFilterAfter(new io.backstop.kit.audit.AuditFilter(audit, meters, tracer.getIfAvailable()),
                WriteRateLimit.class);
        return http.build();
    }
}

package io.backstop.testkit;

import java.util.List;
import java.util.Map;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;
import org.springframework.test.context.ContextConfigurationAttributes;
import org.springframework.test.context.ContextCustomizer;
import org.springframework.test.context.ContextCustomizerFactory;
import org.springframework.test.context.MergedContextConfiguration;

/**
 * Every Spring test context trusts {@link TestTokens}' issuer, unless the test names a key of its own (registered in
 * spring.factories): the services' APIs need a token, and the suites call them with the test issuer's.
 */
public class TestIssuerContextCustomizerFactory implements ContextCustomizerFactory {

    static final String PUBLIC_KEY_LOCATION = "spring.security.oauth2.resourceserver.jwt.public-key-location";
    static final String JWK_SET_URI = "spring.security.oauth2.resourceserver.jwt.jwk-set-uri";

    @Override
    public ContextCustomizer createContextCustomizer(Class<?> testClass,
                                                     List<ContextConfigurationAttributes> configAttributes) {
        return new Customizer();
    }

    /** The same for every test class, so it does not split Spring's context cache. */
    private record Customizer() implements ContextCustomizer {

        @Override
        public void customizeContext(ConfigurableApplicationContext context, MergedContextConfiguration config) {
            ConfigurableEnvironment environment = context.getEnvironment();
            if (!environment.containsProperty(PUBLIC_KEY_LOCATION) && !environment.containsProperty(JWK_SET_URI)) {
                environment.getPropertySources().addLast(new MapPropertySource("backstop-test-issuer",
                        Map.of(PUBLIC_KEY_LOCATION, TestTokens.publicKey().toUri().toString())));
            }
        }
    }
}

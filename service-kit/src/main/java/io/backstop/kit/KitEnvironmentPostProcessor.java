package io.backstop.kit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Map;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.env.PropertiesPropertySourceLoader;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.PropertySource;
import org.springframework.core.io.ClassPathResource;

/**
 * Adds the defaults every Backstop service shares ({@code backstop-kit-defaults.properties}) with the
 * lowest precedence, so a service's application.yml, environment variables and command line all
 * override them; and fixes this process's {@code backstop.instance-id} once.
 */
public class KitEnvironmentPostProcessor implements EnvironmentPostProcessor {

    static final String DEFAULTS = "backstop-kit-defaults.properties";

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        try {
            for (PropertySource<?> source : new PropertiesPropertySourceLoader()
                    .load("backstop-kit-defaults", new ClassPathResource(DEFAULTS))) {
                environment.getPropertySources().addLast(source);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + DEFAULTS, e);
        }
        if (!environment.containsProperty("backstop.instance-id")) {
            environment.getPropertySources().addLast(new MapPropertySource("backstop-instance-id",
                    Map.of("backstop.instance-id", defaultInstanceId())));
        }
    }

    static String defaultInstanceId() {
        String explicit = System.getenv("BACKSTOP_INSTANCE_ID");
        if (explicit != null && !explicit.isBlank()) {
            return explicit;
        }
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            host = "localhost";
        }
        return host + "-" + ProcessHandle.current().pid();
    }
}

package io.backstop.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.backstop.kit.BackstopProperties;
import java.beans.BeanInfo;
import java.beans.Introspector;
import java.beans.PropertyDescriptor;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The environment variables a program of the repository reads, derived from its sources rather than
 * listed by hand, so a Deployment or Compose service setting a variable nobody reads (a typo, a renamed
 * property) fails the build.
 *
 * <p>A service reads a variable when Spring's relaxed binding maps it onto a property the service has:
 * {@code SPRING_KAFKA_BOOTSTRAP_SERVERS} onto {@code spring.kafka.bootstrap-servers},
 * {@code BACKSTOP_KAFKA_CREATE_TOPICS} onto {@code backstop.kafka.create-topics} (both the canonical form,
 * dashes dropped, and the legacy one, dashes as underscores). Its properties are: Spring Boot's own (the
 * configuration metadata of the starters service-kit brings), Backstop's shared ones
 * ({@link BackstopProperties}, by introspection), every key of the service's application.yml, of the kit's
 * defaults and of the market catalogue, and every {@code ${...}} placeholder in its and the kit's sources;
 * plus the variables the code reads itself ({@code System.getenv("...")}). The stress lab is no Spring
 * application: it reads the {@code BACKSTOP_*} names its sources spell out.
 */
public final class ServiceEnvironment {

    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([A-Za-z0-9_.\\-\\[\\]]+)(?::[^}]*)?}");
    private static final Pattern GETENV = Pattern.compile("getenv\\(\"([A-Z0-9_]+)\"\\)");
    private static final Pattern LAB_VARIABLE = Pattern.compile("\"(BACKSTOP_[A-Z0-9_]+)\"");

    private final Set<String> properties = new TreeSet<>();
    private final Set<String> mapPrefixes = new TreeSet<>();
    private final Set<String> variables = new TreeSet<>();

    private ServiceEnvironment() {
    }

    /** What a module reads: a Spring Boot service's properties, or the lab's variables. */
    public static ServiceEnvironment of(Project project, String module) {
        ServiceEnvironment env = new ServiceEnvironment();
        Path main = project.path(module).resolve("src/main");
        if (!project.services().contains(module)) {
            scan(main.resolve("java"), LAB_VARIABLE, env.variables);
            scan(main.resolve("java"), GETENV, env.variables);
            return env;
        }
        env.bootMetadata();
        env.introspect("backstop", BackstopProperties.class);
        Project.flatten(project.applicationYaml(module)).keySet().forEach(env.properties::add);
        project.kitDefaults().stringPropertyNames().forEach(env.properties::add);
        Path markets = project.path("risk-markets/src/main/resources/backstop-markets.yml");
        if (String.valueOf(Project.at(project.applicationYaml(module), "spring.config.import")).contains("backstop-markets")) {
            Project.flatten(Project.yaml(markets)).keySet().forEach(env.properties::add);
        }
        for (Path sources : List.of(main, project.path("service-kit/src/main"))) {
            Set<String> placeholders = new TreeSet<>();
            scan(sources, PLACEHOLDER, placeholders);
            for (String name : placeholders) {
                (name.equals(name.toUpperCase(Locale.ROOT)) ? env.variables : env.properties).add(name);
            }
            scan(sources, GETENV, env.variables);
        }
        return env;
    }

    /** Whether the program reads this environment variable. */
    public boolean reads(String variable) {
        if (variables.contains(variable)) {
            return true;
        }
        for (String property : properties) {
            if (forms(property).contains(variable)) {
                return true;
            }
        }
        for (String prefix : mapPrefixes) {
            for (String form : forms(prefix)) {
                if (variable.startsWith(form + "_")) {
                    return true;
                }
            }
        }
        return false;
    }

    public Set<String> properties() {
        return Collections.unmodifiableSet(properties);
    }

    public Set<String> variables() {
        return Collections.unmodifiableSet(variables);
    }

    /** The variable names Spring maps onto a property: canonical (dashes dropped) and legacy (dashes as underscores). */
    static Set<String> forms(String property) {
        String p = property.replaceAll("\\[(\\d+)]", ".$1");
        return Set.copyOf(List.of(p.replace("-", "").replace('.', '_').toUpperCase(Locale.ROOT),
                p.replace('-', '_').replace('.', '_').toUpperCase(Locale.ROOT)));
    }

    private void bootMetadata() {
        ObjectMapper json = new ObjectMapper();
        try {
            Enumeration<URL> files = getClass().getClassLoader().getResources("META-INF/spring-configuration-metadata.json");
            while (files.hasMoreElements()) {
                try (InputStream in = files.nextElement().openStream()) {
                    for (JsonNode property : json.readTree(in).path("properties")) {
                        String name = property.path("name").asText();
                        properties.add(name);
                        if (property.path("type").asText().startsWith("java.util.Map")) {
                            mapPrefixes.add(name);
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read Spring Boot's configuration metadata", e);
        }
    }

    private void introspect(String prefix, Class<?> type) {
        ConfigurationProperties annotation = type.getAnnotation(ConfigurationProperties.class);
        if (annotation != null && prefix.isEmpty()) {
            prefix = annotation.value();
        }
        try {
            BeanInfo info = Introspector.getBeanInfo(type, Object.class);
            for (PropertyDescriptor d : info.getPropertyDescriptors()) {
                String name = prefix + "." + d.getName().replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
                Class<?> t = d.getPropertyType();
                if (t != null && Map.class.isAssignableFrom(t)) {
                    mapPrefixes.add(name);
                } else if (t != null && t.getName().startsWith("io.backstop.") && !t.isEnum()) {
                    introspect(name, t);
                } else if (d.getWriteMethod() != null) {
                    properties.add(name);
                }
            }
        } catch (java.beans.IntrospectionException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void scan(Path dir, Pattern pattern, Set<String> into) {
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path file : files.filter(Files::isRegularFile).filter(f -> f.toString().matches(".*\\.(java|yml|yaml|properties)"))
                    .toList()) {
                Matcher m = pattern.matcher(Files.readString(file));
                while (m.find()) {
                    into.add(m.group(1));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

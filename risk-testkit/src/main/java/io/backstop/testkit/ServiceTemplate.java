package io.backstop.testkit;

import static com.tngtech.archunit.library.Architectures.layeredArchitecture;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.assertj.core.api.Assertions;

/**
 * The package template every Backstop service follows, checked by the build: three layers, each a set of the
 * service's packages.
 * <ul>
 *   <li><b>domain</b> — the decisions in plain Java (state + event → decision): no Spring, Kafka, JDBC, Micrometer
 *   or service-kit, and nothing of the other layers;</li>
 *   <li><b>application</b> — the shell: loads what a decision needs, calls it, writes and publishes in one
 *   transaction (it may use the kit, Spring's transactions, JDBC and metrics); it knows no adapter;</li>
 *   <li><b>adapters</b> — Kafka listeners, REST controllers, persistence mappings and the Spring configuration
 *   that wires the rest.</li>
 * </ul>
 * Every package of the service belongs to exactly one layer (the application class at the root aside), so a new
 * package must be placed before it builds. The names differ per service because the domains do; the shape does not.
 */
public final class ServiceTemplate {

    private final String base;
    private final List<String> domain = new ArrayList<>();
    private final List<String> application = new ArrayList<>();
    private final List<String> adapters = new ArrayList<>();
    private final Set<String> plainJavaExceptions = new TreeSet<>();

    private ServiceTemplate(String base) {
        this.base = base;
    }

    /** The template of the service whose code is under {@code basePackage}, for example {@code io.backstop.margin}. */
    public static ServiceTemplate of(String basePackage) {
        return new ServiceTemplate(basePackage);
    }

    public ServiceTemplate domain(String... packages) {
        domain.addAll(List.of(packages));
        return this;
    }

    public ServiceTemplate application(String... packages) {
        application.addAll(List.of(packages));
        return this;
    }

    public ServiceTemplate adapters(String... packages) {
        adapters.addAll(List.of(packages));
        return this;
    }

    /**
     * A domain class allowed one library the plain-Java rule forbids, for a reason the caller states (it should be
     * the only way to be right, for example using Kafka's own partitioner to agree with Kafka).
     */
    public ServiceTemplate allowing(String className, String reason) {
        if (reason == null || reason.isBlank()) {
            throw new IllegalArgumentException("say why " + className + " may leave plain Java");
        }
        plainJavaExceptions.add(className);
        return this;
    }

    /** Checks the service's main classes against the template; fails naming what breaks it. */
    public void check() {
        JavaClasses classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages(base);
        Assertions.assertThat(classes).as("classes under " + base).isNotEmpty();
        Set<String> unplaced = new TreeSet<>();
        for (JavaClass c : classes) {
            String pkg = c.getPackageName();
            if (!pkg.equals(base) && layerOf(pkg) == null) {
                unplaced.add(pkg);
            }
        }
        Assertions.assertThat(unplaced).as("packages of " + base + " in no layer of the template").isEmpty();

        layeredArchitecture().consideringOnlyDependenciesInLayers()
                .layer("domain").definedBy(patterns(domain))
                .layer("application").definedBy(patterns(application))
                .layer("adapters").definedBy(patterns(adapters))
                .whereLayer("adapters").mayNotBeAccessedByAnyLayer()
                .whereLayer("application").mayOnlyBeAccessedByLayers("adapters")
                .whereLayer("domain").mayOnlyBeAccessedByLayers("application", "adapters")
                .because("the service template: domain, application, adapters")
                .check(classes);
        com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses().that()
                .resideInAnyPackage(patterns(domain))
                .and(com.tngtech.archunit.base.DescribedPredicate.describe("are not an allowed exception",
                        (JavaClass c) -> !plainJavaExceptions.contains(c.getName())))
                .should().dependOnClassesThat().resideInAnyPackage("org.springframework..", "org.apache.kafka..",
                        "java.sql..", "javax.sql..", "io.micrometer..", "jakarta.persistence..", "io.backstop.kit..")
                .because("the domain is plain Java, tested without Spring, Kafka, a database or metrics")
                .allowEmptyShould(false)
                .check(classes);
    }

    private String layerOf(String pkg) {
        for (var layer : List.of(domain, application, adapters)) {
            for (String p : layer) {
                String full = base + "." + p;
                if (pkg.equals(full) || pkg.startsWith(full + ".")) {
                    return p;
                }
            }
        }
        return null;
    }

    private String[] patterns(List<String> packages) {
        return packages.stream().map(p -> base + "." + p + "..").toArray(String[]::new);
    }
}

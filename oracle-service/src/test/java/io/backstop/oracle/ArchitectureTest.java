package io.backstop.oracle;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import io.backstop.testkit.ServiceTemplate;
import org.junit.jupiter.api.Test;

/**
 * The boundaries the build keeps in oracle-service: no other service's code, a pricing core in plain Java (state and
 * a tick in, a price decision out; tested without Spring, Kafka, a database or metrics), and no package cycles.
 */
class ArchitectureTest {

    private static final JavaClasses SERVICE = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.backstop.oracle");

    @Test
    void noOtherServicesCode() {
        noClasses().should().dependOnClassesThat().resideInAnyPackage("io.backstop.margin..",
                        "io.backstop.liquidation..", "io.backstop.insurance..", "io.backstop.lab..")
                .because("services share only risk-events, risk-markets and service-kit")
                .check(SERVICE);
    }

    @Test
    void thePricingCoreIsPlainJava() {
        noClasses().that().resideInAnyPackage("io.backstop.oracle.pricing..")
                .should().dependOnClassesThat().resideInAnyPackage("org.springframework..", "org.apache.kafka..",
                        "java.sql..", "javax.sql..", "io.micrometer..", "jakarta.persistence..", "io.backstop.kit..",
                        "io.backstop.oracle.history..", "io.backstop.oracle.publish..", "io.backstop.oracle.kafka..",
                        "io.backstop.oracle.web..", "io.backstop.oracle.config..")
                .because("the pricer takes state and a tick and returns a price decision: no Spring, Kafka, database"
                        + " or metrics, and nothing of the shell around it")
                .check(SERVICE);
    }

    @Test
    void noPackageCycles() {
        slices().matching("io.backstop.oracle.(*)..").should().beFreeOfCycles().check(SERVICE);
    }

    @Test
    void followsTheServiceTemplate() {
        ServiceTemplate.of("io.backstop.oracle")
                .domain("pricing")
                .application("history", "publish")
                .adapters("kafka", "web", "config")
                .check();
    }
}

package io.backstop.liquidation;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import io.backstop.testkit.ServiceTemplate;
import org.junit.jupiter.api.Test;

/**
 * The boundaries the build keeps: this service uses no other service's code (only the shared contract,
 * markets and kit), its decisions ({@code lifecycle}, {@code plan}) are plain Java, and its packages have
 * no cycles.
 */
class ArchitectureTest {

    private static final JavaClasses SERVICE = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.backstop.liquidation");

    @Test
    void noOtherServicesCode() {
        noClasses().should().dependOnClassesThat().resideInAnyPackage("io.backstop.oracle..", "io.backstop.margin..",
                        "io.backstop.insurance..", "io.backstop.lab..")
                .because("services share only risk-events, risk-markets and service-kit")
                .check(SERVICE);
    }

    @Test
    void theDecisionsArePlainJava() {
        noClasses().that().resideInAnyPackage("io.backstop.liquidation.lifecycle..", "io.backstop.liquidation.plan..")
                .should().dependOnClassesThat().resideInAnyPackage("org.springframework..", "org.apache.kafka..",
                        "java.sql..", "javax.sql..", "io.micrometer..", "jakarta.persistence..", "io.backstop.kit..",
                        "io.backstop.liquidation.engine..", "io.backstop.liquidation.kafka..",
                        "io.backstop.liquidation.web..", "io.backstop.liquidation.config..")
                .because("deciders take state and an event and return a decision: no Spring, Kafka, database or"
                        + " metrics, and nothing of the shell around them")
                .check(SERVICE);
    }

    @Test
    void noPackageCycles() {
        slices().matching("io.backstop.liquidation.(*)..").should().beFreeOfCycles().check(SERVICE);
    }

    @Test
    void followsTheServiceTemplate() {
        ServiceTemplate.of("io.backstop.liquidation")
                .domain("lifecycle", "plan")
                .application("engine")
                .adapters("kafka", "web", "config")
                .check();
    }
}

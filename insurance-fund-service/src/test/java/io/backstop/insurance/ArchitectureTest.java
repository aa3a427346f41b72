package io.backstop.insurance;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import io.backstop.testkit.ServiceTemplate;
import org.junit.jupiter.api.Test;

/**
 * The boundaries the build keeps: this service uses no other service's code (only the shared contract and kit),
 * its decisions ({@code fund}, {@code waterfall}, {@code ledger}) are plain Java, and its packages have no cycles.
 */
class ArchitectureTest {

    private static final JavaClasses SERVICE = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.backstop.insurance");

    @Test
    void noOtherServicesCode() {
        noClasses().should().dependOnClassesThat().resideInAnyPackage("io.backstop.oracle..", "io.backstop.margin..",
                        "io.backstop.liquidation..", "io.backstop.lab..")
                .because("services share only risk-events, risk-markets and service-kit")
                .check(SERVICE);
    }

    @Test
    void theDecisionsArePlainJava() {
        noClasses().that().resideInAnyPackage("io.backstop.insurance.fund..", "io.backstop.insurance.waterfall..",
                        "io.backstop.insurance.ledger..")
                .should().dependOnClassesThat().resideInAnyPackage("org.springframework..", "org.apache.kafka..",
                        "java.sql..", "javax.sql..", "io.micrometer..", "jakarta.persistence..", "io.backstop.kit..",
                        "io.backstop.insurance.engine..", "io.backstop.insurance.kafka..",
                        "io.backstop.insurance.web..", "io.backstop.insurance.config..")
                .because("deciders take state and an event and return a decision: no Spring, Kafka, database or"
                        + " metrics, and nothing of the shell around them")
                .check(SERVICE);
    }

    @Test
    void noPackageCycles() {
        slices().matching("io.backstop.insurance.(*)..").should().beFreeOfCycles().check(SERVICE);
    }

    @Test
    void followsTheServiceTemplate() {
        ServiceTemplate.of("io.backstop.insurance")
                .domain("fund", "ledger", "waterfall")
                .application("engine", "config") // config: only the settings the shell reads (the wiring is at the root)
                .adapters("kafka", "web")
                .check();
    }
}

package io.backstop.margin;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import io.backstop.testkit.ServiceTemplate;
import org.junit.jupiter.api.Test;

/**
 * The boundaries the build keeps in margin-service: no other service's code, a risk core in plain Java, and
 * deciders ({@code decision}) that know nothing of the shell around them ({@code engine}, which queues, stores
 * and publishes), and no package cycles: {@code account} holds an account's state and its own transitions,
 * {@code risk} assesses it and decides its review ({@code MarginEngine}), never the other way round.
 */
class ArchitectureTest {

    private static final JavaClasses SERVICE = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.backstop.margin");

    @Test
    void noOtherServicesCode() {
        noClasses().should().dependOnClassesThat().resideInAnyPackage("io.backstop.oracle..",
                        "io.backstop.liquidation..", "io.backstop.insurance..", "io.backstop.lab..")
                .because("services share only risk-events, risk-markets and service-kit")
                .check(SERVICE);
    }

    @Test
    void theRiskCoreIsPlainJava() {
        // AccountPartitions is the one exception: it uses Kafka's own murmur2, so that an account's partition here
        // is the one Kafka's default partitioner picks for its records
        noClasses().that().resideInAnyPackage("io.backstop.margin.account..", "io.backstop.margin.risk..",
                        "io.backstop.margin.screen..", "io.backstop.margin.seed..")
                .and().doNotHaveSimpleName("AccountPartitions")
                .should().dependOnClassesThat().resideInAnyPackage("org.springframework..", "org.apache.kafka..",
                        "java.sql..", "javax.sql..", "io.micrometer..", "jakarta.persistence..", "io.backstop.kit..")
                .because("the margin decisions are tested without Spring, Kafka, a database or metrics")
                .check(SERVICE);
    }

    @Test
    void theDecisionsArePlainJava() {
        noClasses().that().resideInAPackage("io.backstop.margin.decision..")
                .should().dependOnClassesThat().resideInAnyPackage("org.springframework..", "org.apache.kafka..",
                        "java.sql..", "javax.sql..", "io.micrometer..", "jakarta.persistence..", "io.backstop.kit..",
                        "io.backstop.margin.engine..", "io.backstop.margin.kafka..", "io.backstop.margin.web..",
                        "io.backstop.margin.persistence..", "io.backstop.margin.config..")
                .because("deciders take state and an event and return a decision: no Spring, Kafka, database or"
                        + " metrics, and nothing of the shell around them")
                .check(SERVICE);
    }

    @Test
    void noPackageCycles() {
        slices().matching("io.backstop.margin.(*)..").should().beFreeOfCycles().check(SERVICE);
    }

    @Test
    void followsTheServiceTemplate() {
        ServiceTemplate.of("io.backstop.margin")
                .domain("account", "risk", "screen", "decision", "seed")
                .application("engine", "persistence") // the engine's store, as the other services' stores are
                .adapters("kafka", "web", "config")
                .allowing("io.backstop.margin.account.AccountPartitions", "Kafka's own murmur2 makes an account's"
                        + " partition here the one Kafka's default partitioner picks for its records")
                .check();
    }
}

package io.backstop.kit.time;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.support.StaticListableBeanFactory;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.http.HttpStatus;
import org.springframework.transaction.TransactionSystemException;

/**
 * How a step that fails is answered: the infrastructure not answering (PostgreSQL or the broker killed in the
 * middle of it) is a 503 the lab asks again after, anything else goes on to the service's error answer (500).
 */
class SimulationControllerTest {

    private static final Instant T = Instant.parse("2025-10-10T20:06:00Z");

    private final AtomicReference<RuntimeException> failure = new AtomicReference<>();
    private final SimulationController controller = new SimulationController(simulation());

    private Simulation simulation() {
        SimulatedWork work = now -> {
            RuntimeException e = failure.get();
            if (e != null) {
                throw e;
            }
        };
        StaticListableBeanFactory beans = new StaticListableBeanFactory(Map.of(
                "work", work,
                "driver", new EventDriver(null, null, null, "", null, null)));
        return new Simulation(new SimulatedClock(T.minusSeconds(60)), beans.getBeanProvider(SimulatedWork.class),
                beans.getBeanProvider(EventDriver.class), new SimpleMeterRegistry());
    }

    private SimulationController.StepRequest at(Instant time) {
        return new SimulationController.StepRequest(time, Map.of());
    }

    @Test
    void aStepTheDatabaseFailedIsAnswered503ToBeAskedAgainAndTheSameStepThenSucceeds() {
        failure.set(new TransactionSystemException("JDBC rollback failed", new SQLException("Connection is closed")));

        assertThatThrownBy(() -> controller.step(at(T))).isInstanceOf(SimulationController.InfrastructureDown.class)
                .satisfies(e -> {
                    var answer = controller.infrastructureDown((SimulationController.InfrastructureDown) e);
                    assertThat(answer.getStatusCode()).isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
                    assertThat(answer.getHeaders().getFirst("Retry-After")).isEqualTo("1");
                    assertThat(answer.getBody().getDetail()).doesNotContain("Connection is closed");
                });

        failure.set(null);
        assertThat(controller.step(at(T)).time()).as("the same step, asked again").isEqualTo(T);
    }

    @Test
    void aResourceFailureIsTheInfrastructureToo() {
        failure.set(new DataAccessResourceFailureException("terminating connection due to unexpected postmaster exit"));

        assertThatThrownBy(() -> controller.step(at(T))).isInstanceOf(SimulationController.InfrastructureDown.class);
    }

    @Test
    void anyOtherFailureIsTheServicesOwnAndIsNotDisguised() {
        IllegalStateException fault = new IllegalStateException("a fault in the service");
        failure.set(fault);

        assertThatThrownBy(() -> controller.step(at(T))).isSameAs(fault);
    }
}

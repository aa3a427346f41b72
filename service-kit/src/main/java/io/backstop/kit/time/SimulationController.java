package io.backstop.kit.time;

import io.backstop.kit.kafka.RetryPolicy;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * How the stress lab steps a service on simulated time (only present in that mode). A step is one
 * request: it returns when the service has taken in the step's events, done the work due and published
 * what it decided.
 */
@RestController
@ConditionalOnProperty(name = "backstop.clock.mode", havingValue = "simulated") // also when a package scan finds it
@RequestMapping("/api/v1/simulation")
public class SimulationController {

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(SimulationController.class);

    /** Where the service's clock is, and the topics it takes in at its steps. */
    public record Status(String mode, Instant time, java.util.Set<String> topics) {
    }

    /**
     * One step: the time to step to, and the end offset of every partition of every topic the lab read just
     * before (full topic names, offsets by partition number).
     */
    public record StepRequest(Instant time, Map<String, List<Long>> endOffsets) {
    }

    private final Simulation simulation;

    public SimulationController(Simulation simulation) {
        this.simulation = simulation;
    }

    @GetMapping
    public Status status() {
        return new Status("simulated", simulation.now(), simulation.topics());
    }

    @PostMapping("/steps")
    public Simulation.Step step(@RequestBody StepRequest request) {
        if (request.time() == null) {
            throw new IllegalArgumentException("time is required");
        }
        try {
            return simulation.step(request.time(), request.endOffsets() == null ? Map.of() : request.endOffsets());
        } catch (RuntimeException e) {
            if (RetryPolicy.passing(e)) {
                throw new InfrastructureDown(e);
            }
            throw e;
        }
    }

    /** A step that failed because PostgreSQL or the broker did not answer: the lab asks again (503), nothing is lost. */
    static final class InfrastructureDown extends RuntimeException {
        InfrastructureDown(RuntimeException cause) {
            super(cause.getMessage(), cause);
        }
    }

    @ExceptionHandler(InfrastructureDown.class)
    ResponseEntity<ProblemDetail> infrastructureDown(InfrastructureDown e) {
        log.warn("a step of simulated time could not finish: the infrastructure did not answer ({}); it is asked again",
                e.getCause().toString());
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.SERVICE_UNAVAILABLE,
                "PostgreSQL or the broker did not answer; step again");
        problem.setTitle("Infrastructure unavailable");
        return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE).header("Retry-After", "1").body(problem);
    }

    @ExceptionHandler(SimulatedClock.TimeGoesForward.class)
    ProblemDetail backwards(SimulatedClock.TimeGoesForward e) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.CONFLICT, e.getMessage());
        problem.setTitle("Simulated time only moves forward");
        return problem;
    }
}

package io.backstop.margin.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.backstop.margin.engine.EngineBusy;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;

/** A command the engine could not take is a temporary refusal to back off from, not a server error. */
class EngineBusyAnswerTest {

    private final AccountController controller = new AccountController(null, null, null, null);

    @Test
    void aBusyEngineAnswers503WithRetryAfterAndSaysWhy() {
        ResponseEntity<ProblemDetail> answer = controller.engineBusy(new EngineBusy(
                "the account engine did not commit within PT30S (1200 changes queued)", Duration.ofSeconds(1), null));

        assertThat(answer.getStatusCode()).isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
        assertThat(answer.getHeaders().getFirst("Retry-After")).isEqualTo("1");
        assertThat(answer.getBody().getType()).isEqualTo(AccountController.ENGINE_BUSY);
        assertThat(answer.getBody().getDetail()).contains("did not commit within PT30S");
    }

    @Test
    void retryAfterIsWholeSecondsAndNeverZero() {
        assertThat(controller.engineBusy(new EngineBusy("busy", Duration.ofMillis(200), null)).getHeaders()
                .getFirst("Retry-After")).isEqualTo("1");
        assertThat(controller.engineBusy(new EngineBusy("busy", Duration.ofSeconds(5), null)).getHeaders()
                .getFirst("Retry-After")).isEqualTo("5");
    }
}

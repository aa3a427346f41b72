package io.backstop.liquidation.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** When an unanswered order is worth a question to the exchange. */
class ExchangeAnswersTest {

    private static final Instant START = Instant.parse("2025-10-10T21:00:00Z");
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private static Instant at(int seconds) {
        return START.plusSeconds(seconds);
    }

    @Test
    void anExchangeThatAnswersNothingForTheTimeoutIsAsked() {
        ExchangeAnswers answers = new ExchangeAnswers(START);

        // sent at 5 s; silent since the start: asked once 30 s of silence have passed, not before
        assertThat(answers.overdue("BTCUSDT", at(5), at(29), TIMEOUT)).isFalse();
        assertThat(answers.overdue("BTCUSDT", at(5), at(35), TIMEOUT)).isTrue();

        // the last answer (to an order sent before ours) 10 s in: the silence counts from then
        answers.answered("BTCUSDT", at(1), at(10));
        assertThat(answers.overdue("BTCUSDT", at(5), at(39), TIMEOUT)).isFalse();
        assertThat(answers.overdue("BTCUSDT", at(5), at(40), TIMEOUT)).isTrue();
    }

    @Test
    void anOrderInTheBacklogOfAnExchangeThatIsBehindWaits() {
        ExchangeAnswers answers = new ExchangeAnswers(START);

        // ours was sent at 20 s; the exchange keeps answering, 60 s later, orders sent before ours
        for (int s = 1; s <= 19; s++) {
            answers.answered("BTCUSDT", at(s), at(60 + s));
        }
        assertThat(answers.overdue("BTCUSDT", at(20), at(80), TIMEOUT)).isFalse();
    }

    @Test
    void anOrderPassedOverByTheExchangeIsAsked() {
        ExchangeAnswers answers = new ExchangeAnswers(START);

        // ours was sent at 20 s and lost; the exchange answered one sent at 21 s
        answers.answered("BTCUSDT", at(19), at(60));
        assertThat(answers.overdue("BTCUSDT", at(20), at(61), TIMEOUT)).isFalse();
        answers.answered("BTCUSDT", at(21), at(62));
        assertThat(answers.overdue("BTCUSDT", at(20), at(62), TIMEOUT)).isTrue();
        // and again after a question: the reference is when it was asked
        assertThat(answers.overdue("BTCUSDT", at(62), at(70), TIMEOUT)).isFalse();
    }

    @Test
    void eachSymbolHasItsOwnProgressAndACopyOfAnAnswerSaysNothingOfIt() {
        ExchangeAnswers answers = new ExchangeAnswers(START);

        answers.answered("ETHUSDT", at(50), at(51));
        // the copy of an answer to an order already done: no send time, only that the exchange is alive
        answers.answered("BTCUSDT", null, at(50));

        assertThat(answers.overdue("BTCUSDT", at(20), at(60), TIMEOUT)).as("BTC answered 10 s ago, nothing later")
                .isFalse();
        assertThat(answers.overdue("BTCUSDT", at(20), at(80), TIMEOUT)).as("BTC silent for the timeout").isTrue();
        assertThat(answers.overdue("ETHUSDT", at(20), at(52), TIMEOUT)).as("ETH answered a later order").isTrue();
    }

    @Test
    void answersArrivingOutOfOrderKeepTheLatest() {
        ExchangeAnswers answers = new ExchangeAnswers(START);

        answers.answered("BTCUSDT", at(30), at(40));
        answers.answered("BTCUSDT", at(10), at(35)); // applied by a slower poll, recorded after

        assertThat(answers.overdue("BTCUSDT", at(25), at(60), TIMEOUT)).as("the later send still counts").isTrue();
        assertThat(answers.overdue("BTCUSDT", at(35), at(69), TIMEOUT)).as("silent since 40 s, not 35 s").isFalse();
    }
}

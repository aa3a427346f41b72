package io.backstop.margin.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.backstop.events.InvalidField;
import io.backstop.margin.engine.AccountReads;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A page's cursor names the rank it ends at exactly, in a token safe in a URL; any other token is refused. */
class AtRiskCursorTest {

    @Test
    void aRankComesBackExactlyWhateverItsRatioOrId() {
        for (AccountReads.Rank rank : List.of(new AccountReads.Rank(1.2345678901234567, "acct-1"),
                new AccountReads.Rank(Double.POSITIVE_INFINITY, "broke"),
                new AccountReads.Rank(Double.NEGATIVE_INFINITY, "unpriced|with a bar/and ?&= in its id"),
                new AccountReads.Rank(0.8, "ü-ñ"))) {
            String token = AtRiskCursor.encode(rank);
            assertThat(token).matches("[A-Za-z0-9_-]+");
            assertThat(AtRiskCursor.decode(token)).isEqualTo(rank);
        }
    }

    @Test
    void aTokenNoPageGaveIsRefusedNamingTheParameter() {
        for (String token : List.of("", "not base64!", encoded("1.5"), encoded("|acct"), encoded("1.5|"),
                encoded("many|acct"), encoded("NaN|acct"))) {
            assertThatThrownBy(() -> AtRiskCursor.decode(token)).as("'%s'", token).isInstanceOf(InvalidField.class)
                    .satisfies(e -> assertThat(((InvalidField) e).field()).isEqualTo("after"));
        }
    }

    private static String encoded(String text) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }
}

package io.backstop.margin.persistence;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class AccountCopyTest {

    @Test
    void copyTextEscapesWhatWouldEndAColumnOrARow() {
        assertThat(AccountCopy.escape("{\"a\":\"b\\\"c\"}")).isEqualTo("{\"a\":\"b\\\\\"c\"}");
        assertThat(AccountCopy.escape("a\tb\nc\rd")).isEqualTo("a\\tb\\nc\\rd");
        String plain = "seed-000000001";
        assertThat(AccountCopy.escape(plain)).isSameAs(plain);
    }
}

package io.backstop.events.json;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

/** {@link IsoInstants#parse} reads every text as {@link Instant#parse} does, and the written form directly. */
class IsoInstantsProperties {

    /** 0000-01-01T00:00:00Z, and the seconds from it to 9999-12-31T23:59:59Z: the years of the written form. */
    private static final long FIRST = -62_167_219_200L;
    private static final long SPAN = 315_569_519_999L;

    @Property(tries = 5000)
    void everyWrittenInstantIsReadDirectlyAndExactly(@ForAll @LongRange(min = 0, max = SPAN) long second,
                                                     @ForAll @IntRange(min = 0, max = 999_999_999) int nanos,
                                                     @ForAll @IntRange(min = 0, max = 9) int digits) {
        Instant instant = Instant.ofEpochSecond(FIRST + second, nanos);
        String written = instant.toString();

        assertThat(IsoInstants.direct(written)).isEqualTo(instant);
        String withDigits = withFraction(instant, digits);
        assertThat(IsoInstants.direct(withDigits)).as(withDigits).isNotNull().isEqualTo(Instant.parse(withDigits));
    }

    @Property(tries = 10000)
    void anyCorruptedTextIsReadAsTheJdkReadsIt(@ForAll @LongRange(min = 0, max = SPAN) long second,
                                               @ForAll @IntRange(min = 0, max = 999_999_999) int nanos,
                                               @ForAll @IntRange(min = 0, max = 9) int digits,
                                               @ForAll @IntRange(min = 0, max = 40) int position,
                                               @ForAll("characters") String replacement,
                                               @ForAll boolean insert) {
        String text = withFraction(Instant.ofEpochSecond(FIRST + second, nanos), digits);
        int at = Math.min(position, text.length());
        String corrupted = text.substring(0, at) + replacement
                + text.substring(Math.min(text.length(), insert ? at : at + 1));

        assertThat(outcome(() -> IsoInstants.parse(corrupted))).as(corrupted)
                .isEqualTo(outcome(() -> Instant.parse(corrupted)));
    }

    @Example
    void theEdgesOfTheWrittenFormAreLeftToTheJdk() {
        for (String text : new String[] {"2024-02-29T00:00:00Z", "2023-02-29T00:00:00Z", "2025-10-10T23:59:60Z",
            "2025-10-10T24:00:00Z", "2025-10-10t21:00:00z", "2025-10-10T21:00:00.Z", "2025-10-10T21:00:00.1234567890Z",
            "+12025-10-10T21:00:00Z", "2025-10-10T21:00:00+01:00", "2025-13-10T21:00:00Z", "2025-00-10T21:00:00Z"}) {
            assertThat(outcome(() -> IsoInstants.parse(text))).as(text).isEqualTo(outcome(() -> Instant.parse(text)));
        }
        assertThat(Instant.ofEpochSecond(FIRST)).isEqualTo(Instant.parse("0000-01-01T00:00:00Z"));
        assertThat(Instant.ofEpochSecond(FIRST + SPAN)).isEqualTo(Instant.parse("9999-12-31T23:59:59Z"));
        assertThat(IsoInstants.direct("2024-02-29T00:00:00Z")).isEqualTo(Instant.parse("2024-02-29T00:00:00Z"));
        assertThat(IsoInstants.direct("2025-10-10T23:59:60Z")).isNull();
        assertThat(IsoInstants.direct("2025-10-10t21:00:00z")).isNull();
    }

    @Provide
    Arbitrary<String> characters() {
        return Arbitraries.of("", "0", "1", "2", "9", "3", "a", "T", "t", "Z", "z", "-", ":", ".", "+", " ", "00",
                "\u0661", "60", "24", "9999");
    }

    /** The instant with exactly {@code digits} digits of fraction (none for 0), as a producer might write it. */
    private static String withFraction(Instant instant, int digits) {
        String whole = instant.toString().replaceAll("\\.\\d+Z$", "Z");
        if (digits == 0) {
            return whole;
        }
        String nanos = String.format("%09d", instant.getNano()).substring(0, digits);
        return whole.substring(0, whole.length() - 1) + "." + nanos + "Z";
    }

    private static Object outcome(java.util.function.Supplier<Instant> reading) {
        try {
            return reading.get();
        } catch (DateTimeParseException e) {
            return "refused";
        }
    }
}

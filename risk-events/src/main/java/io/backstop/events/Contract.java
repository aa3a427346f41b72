package io.backstop.events;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Field checks for the event records' compact constructors. Each returns the (normalised) value or
 * throws {@link InvalidField} naming the field. Decimals are kept exactly as given (no rescaling):
 * the scale a producer chose is part of the value it meant.
 */
public final class Contract {

    private Contract() {
    }

    public static <T> T required(String field, T value) {
        if (value == null) {
            throw new InvalidField(field, "is required");
        }
        return value;
    }

    public static String text(String field, String value) {
        required(field, value);
        if (value.isBlank()) {
            throw new InvalidField(field, "must not be blank");
        }
        return value;
    }

    /** A price: present and strictly positive. */
    public static BigDecimal positive(String field, BigDecimal value) {
        required(field, value);
        if (value.signum() <= 0) {
            throw new InvalidField(field, "must be positive, got " + value.toPlainString());
        }
        return value;
    }

    /** An amount that cannot be negative (a fee charged, a requirement, a remaining size). */
    public static BigDecimal nonNegative(String field, BigDecimal value) {
        required(field, value);
        if (value.signum() < 0) {
            throw new InvalidField(field, "must not be negative, got " + value.toPlainString());
        }
        return value;
    }

    /** A signed amount (PnL, equity, a signed position size): only presence is checked. */
    public static BigDecimal signed(String field, BigDecimal value) {
        return required(field, value);
    }

    public static BigDecimal optionalPositive(String field, BigDecimal value) {
        return value == null ? null : positive(field, value);
    }

    public static BigDecimal optionalNonNegative(String field, BigDecimal value) {
        return value == null ? null : nonNegative(field, value);
    }

    public static long nonNegative(String field, long value) {
        if (value < 0) {
            throw new InvalidField(field, "must not be negative, got " + value);
        }
        return value;
    }

    /** An immutable copy of a required list whose elements are all present. */
    public static <T> List<T> list(String field, List<T> values) {
        required(field, values);
        List<T> copy = new ArrayList<>(values.size());
        for (int i = 0; i < values.size(); i++) {
            copy.add(required(field + "[" + i + "]", values.get(i)));
        }
        return Collections.unmodifiableList(copy);
    }

    public static <T> List<T> nonEmptyList(String field, List<T> values) {
        List<T> copy = list(field, values);
        if (copy.isEmpty()) {
            throw new InvalidField(field, "must not be empty");
        }
        return copy;
    }

    /** An immutable, order-preserving copy of a required map with present keys and values. */
    public static <V> Map<String, V> map(String field, Map<String, V> values) {
        required(field, values);
        Map<String, V> copy = new LinkedHashMap<>();
        values.forEach((k, v) -> copy.put(text(field + " key", k), required(field + "." + k, v)));
        return Collections.unmodifiableMap(copy);
    }
}

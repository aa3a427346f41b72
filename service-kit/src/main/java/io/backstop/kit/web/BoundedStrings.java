package io.backstop.kit.web;

import io.backstop.events.InvalidField;
import tools.jackson.core.JsonParser;
import tools.jackson.databind.DeserializationContext;
import tools.jackson.databind.JacksonModule;
import tools.jackson.databind.deser.jdk.StringDeserializer;
import tools.jackson.databind.module.SimpleModule;

/**
 * Every string read from a REST body is at most {@link WebLimits#maxStringLength()} characters: ids,
 * idempotency keys, symbols and assets are short, and a longer one is refused naming its field instead
 * of being stored, logged and echoed. Only REST bodies: Kafka events go through their own codec.
 */
final class BoundedStrings extends StringDeserializer {

    private final int max;

    private BoundedStrings(int max) {
        this.max = max;
    }

    static JacksonModule module(int max) {
        return new SimpleModule("backstop-bounded-strings").addDeserializer(String.class, new BoundedStrings(max));
    }

    @Override
    public String deserialize(JsonParser p, DeserializationContext ctxt) {
        String value = super.deserialize(p, ctxt);
        if (value != null && value.length() > max) {
            String field = p.currentName() == null ? "$" : p.currentName();
            throw new InvalidField(field, "must be at most " + max + " characters, got " + value.length());
        }
        return value;
    }
}

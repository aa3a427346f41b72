package io.backstop.events;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.RecordComponent;
import java.util.Arrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every event is sent under the key its topic declares: the partition, and so the order consumers see and the
 * instance that reads it, follow from {@link Topic#key()}, so a payload's {@link EventPayload#key()} must not
 * drift from it.
 */
class TopicKeyTest {

    @ParameterizedTest
    @EnumSource(EventType.class)
    void everyEventIsKeyedByTheFieldItsTopicDeclares(EventType type) throws Exception {
        EventPayload payload = SampleEvents.payloads().get(type);
        RecordComponent declared = Arrays.stream(payload.getClass().getRecordComponents())
                .filter(c -> c.getName().equals(type.topic().key())).findFirst()
                .orElseThrow(() -> new AssertionError(type + " has no field " + type.topic().key()));

        assertThat(payload.key()).isEqualTo(String.valueOf(declared.getAccessor().invoke(payload)));
    }
}

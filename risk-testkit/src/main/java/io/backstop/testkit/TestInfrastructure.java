package io.backstop.testkit;

import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Where one test class's isolated slice of the shared infrastructure is.
 *
 * @param schema      the PostgreSQL schema the class owns
 * @param topicPrefix prepended to every topic and consumer group of the class, ends with a dot
 */
public record TestInfrastructure(TestPostgres postgres, TestKafka kafka, String schema, String topicPrefix) {

    private static final AtomicInteger COUNTER = new AtomicInteger();

    /** A fresh, isolated slice for {@code testClass}: a new empty schema and a new topic prefix. */
    public static TestInfrastructure forClass(Class<?> testClass) {
        String id = testClass.getSimpleName().replaceAll("[^A-Za-z0-9]", "").toLowerCase(Locale.ROOT);
        if (id.length() > 40) {
            id = id.substring(0, 40);
        }
        String unique = id + "_" + ProcessHandle.current().pid() + "_" + COUNTER.incrementAndGet();
        TestPostgres postgres = TestPostgres.shared();
        TestKafka kafka = TestKafka.shared();
        return new TestInfrastructure(postgres, kafka, postgres.freshSchema("t_" + unique),
                "t-" + unique.replace('_', '-') + ".");
    }

    /** The full name of a topic for this class. */
    public String topic(String baseName) {
        return topicPrefix + baseName;
    }

    public String jdbcUrl() {
        return postgres.jdbcUrl(schema);
    }
}

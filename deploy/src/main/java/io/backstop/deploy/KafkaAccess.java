package io.backstop.deploy;

import io.backstop.events.Topic;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * What a service does on Kafka, read from its sources rather than listed by hand, so its KafkaUser's ACLs can be
 * checked against the code: the topics its {@code ServiceTopics} bean declares it consumes and produces (every topic
 * one of its {@code @KafkaListener}s names must be among those consumed), the dead-letter topics it writes (one per
 * topic consumed: service-kit's {@code DeadLetterPublisher}), its consumer groups (service-kit's default
 * {@code <prefix><application name>}, and every {@code groupId} of its listeners, which must start the same way) and
 * its transactional ids (the outbox relay's {@code <application name>-<instance>-outbox-}: service-kit's
 * {@code OutboxAutoConfiguration}).
 *
 * @param module  the module it is built from
 * @param service its application name ({@code spring.application.name}), the name of its KafkaUser
 */
public record KafkaAccess(String module, String service, Set<Topic> consumes, Set<Topic> produces, Set<String> groups) {

    private static final Pattern SERVICE_TOPICS = Pattern.compile(
            "ServiceTopics\\.of\\(\\s*Set\\.of\\(([^)]*)\\)\\s*,\\s*Set\\.of\\(([^)]*)\\)\\s*\\)");
    private static final Pattern TOPIC_CONSTANT = Pattern.compile("Topic\\.([A-Z_]+)");
    private static final Pattern LISTENED = Pattern.compile("\"\\$\\{backstop\\.kafka\\.topic-prefix}([a-z][a-z.]*)\"");
    private static final Pattern GROUP_ID = Pattern.compile("groupId\\s*=\\s*\"([^\"]*)\"");
    /** How service-kit names a service's transactional ids, in OutboxAutoConfiguration's source. */
    static final String TRANSACTION_ID_PREFIX_SOURCE = "setTransactionIdPrefix(service + \"-\" + backstop.getInstanceId()";
    private static final String GROUP_PREFIX = "${backstop.kafka.topic-prefix}${spring.application.name}";

    public KafkaAccess {
        consumes = Set.copyOf(consumes);
        produces = Set.copyOf(produces);
        groups = Set.copyOf(groups);
    }

    /** What {@code module} does on Kafka; throws when its sources do not say it plainly. */
    public static KafkaAccess of(Project project, String module) {
        String service = String.valueOf(Project.at(project.applicationYaml(module), "spring.application.name"));
        Path sources = project.path(module).resolve("src/main/java");
        String all = read(sources).replaceAll("(?m)//.*$", "");
        Matcher declared = SERVICE_TOPICS.matcher(all);
        if (!declared.find()) {
            throw new IllegalStateException(module + " declares no ServiceTopics.of(Set.of(...), Set.of(...))");
        }
        Set<Topic> consumes = topics(declared.group(1));
        Set<Topic> produces = topics(declared.group(2));
        Matcher listened = LISTENED.matcher(all);
        while (listened.find()) {
            Topic topic = Topic.fromName(listened.group(1), "").orElseThrow(() -> new IllegalStateException(
                    module + " listens to " + listened.group(1) + ", which is not in risk-events' Topic catalogue"));
            if (!consumes.contains(topic)) {
                throw new IllegalStateException(module + " listens to " + topic.baseName()
                        + ", which its ServiceTopics do not declare consumed");
            }
        }
        Set<String> groups = new TreeSet<>();
        groups.add(GROUP_PREFIX);
        Matcher group = GROUP_ID.matcher(all);
        while (group.find()) {
            if (!group.group(1).startsWith(GROUP_PREFIX)) {
                throw new IllegalStateException(module + " consumes in group " + group.group(1)
                        + ", which does not start with " + GROUP_PREFIX);
            }
            groups.add(group.group(1));
        }
        String outbox = read(project.path("service-kit/src/main/java/io/backstop/kit/outbox/OutboxAutoConfiguration.java"));
        if (!outbox.contains(TRANSACTION_ID_PREFIX_SOURCE)) {
            throw new IllegalStateException("the outbox relay's transactional ids are no longer <service>-<instance>-...:"
                    + " KafkaAccess#transactionalId must follow OutboxAutoConfiguration");
        }
        return new KafkaAccess(module, service, consumes, produces,
                groups.stream().map(g -> g.replace(GROUP_PREFIX, service).replaceAll("\\$\\{[^}]*}", "pod-1"))
                        .collect(Collectors.toSet()));
    }

    /** The topics it writes: those it produces and the dead-letter topic of each it consumes. */
    public Set<String> writes() {
        Set<String> names = new TreeSet<>();
        produces.forEach(t -> names.add(t.baseName()));
        consumes.forEach(t -> names.add(t.deadLetterName("")));
        return names;
    }

    /** The topics it reads. */
    public Set<String> reads() {
        return consumes.stream().map(Topic::baseName).collect(Collectors.toCollection(TreeSet::new));
    }

    /** A transactional id its outbox relay uses (instance pod-1). */
    public String transactionalId() {
        return service + "-pod-1-outbox-0";
    }

    private static Set<Topic> topics(String list) {
        Set<Topic> topics = EnumSet.noneOf(Topic.class);
        Matcher m = TOPIC_CONSTANT.matcher(list);
        while (m.find()) {
            topics.add(Topic.valueOf(m.group(1)));
        }
        return topics;
    }

    private static String read(Path path) {
        try {
            if (Files.isRegularFile(path)) {
                return Files.readString(path);
            }
            StringBuilder all = new StringBuilder();
            try (Stream<Path> files = Files.walk(path)) {
                for (Path f : files.filter(f -> f.toString().endsWith(".java")).sorted().toList()) {
                    all.append(Files.readString(f)).append('\n');
                }
            }
            return all.toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every service's, in the order of {@link Project#services()}. */
    public static List<KafkaAccess> of(Project project) {
        return project.services().stream().map(m -> of(project, m)).toList();
    }
}

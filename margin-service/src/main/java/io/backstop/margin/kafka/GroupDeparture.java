package io.backstop.margin.kafka;

import io.backstop.margin.config.MarginProperties;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.MemberToRemove;
import org.apache.kafka.clients.admin.RemoveMembersFromConsumerGroupOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.SmartLifecycle;
import org.springframework.kafka.core.KafkaAdmin;
import org.springframework.stereotype.Component;

/**
 * A replica that stops in order leaves the account topics' consumer group, so that its partitions move to the others
 * at once: a static member's consumer does not leave when it closes (the group keeps its place for it until the
 * session times out, which is what a crash wants), so it is removed through the admin API once the listener has
 * stopped. Off with {@code backstop.margin.leave-group-on-shutdown=false}, where a replica comes back under its id.
 */
@Component
class GroupDeparture implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(GroupDeparture.class);
    /** Stopped after the listener containers (their phase is {@code Integer.MAX_VALUE - 100}), started before. */
    static final int PHASE = Integer.MAX_VALUE - 200;
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private final KafkaAdmin admin;
    private final MarginProperties properties;
    private final String group;
    private final String instance;
    private final Pattern ours;
    private volatile boolean running;

    GroupDeparture(KafkaAdmin admin, MarginProperties properties,
                   @Value("${spring.kafka.consumer.group-id}") String group,
                   @Value("${backstop.instance-id}") String instance) {
        this.admin = admin;
        this.properties = properties;
        this.group = group;
        this.instance = instance;
        // the container's consumers: the id with their index appended (Spring Kafka does, concurrency 1 included)
        this.ours = Pattern.compile(Pattern.quote(instance) + "(-\\d+)?");
    }

    @Override
    public void start() {
        running = true;
    }

    @Override
    public void stop() {
        running = false;
        if (!properties.isLeaveGroupOnShutdown()) {
            log.info("stopping without leaving consumer group {}: {} keeps its partitions until the session times out",
                    group, instance);
            return;
        }
        try (Admin client = Admin.create(admin.getConfigurationProperties())) {
            List<MemberToRemove> members = client.describeConsumerGroups(List.of(group)).all()
                    .get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).get(group).members().stream()
                    .map(m -> m.groupInstanceId().orElse(""))
                    .filter(id -> ours.matcher(id).matches()).map(MemberToRemove::new).toList();
            if (members.isEmpty()) {
                log.info("not a member of consumer group {} as {}: nothing to leave", group, instance);
                return;
            }
            client.removeMembersFromConsumerGroup(group, new RemoveMembersFromConsumerGroupOptions(members)
                    .timeoutMs((int) TIMEOUT.toMillis())).all().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            log.info("left consumer group {} as {}: its partitions move to the other replicas now", group, instance);
        } catch (ExecutionException | TimeoutException e) {
            // never joined (simulated time), already gone, or Kafka unreachable: the session timeout moves them then
            log.info("could not leave consumer group {} as {} ({}): its partitions move when its session times out",
                    group, instance, e.getCause() == null ? e.toString() : e.getCause().toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        return PHASE;
    }
}

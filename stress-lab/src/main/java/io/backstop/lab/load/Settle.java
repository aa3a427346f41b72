package io.backstop.lab.load;

import io.backstop.events.Topic;
import io.backstop.lab.runtime.DeadLetters;
import io.backstop.lab.runtime.LabTokens;
import io.backstop.lab.runtime.RuntimeSettings;
import io.backstop.lab.runtime.Service;
import java.io.PrintStream;
import java.net.http.HttpClient;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;

/**
 * {@code ./backstop settle}: waits until the running platform has finished what a cascade started, then checks that
 * every liquidation and every shortfall was carried to its end on both sides: no liquidation open, no order of the
 * fund unwinding what it took over left unanswered, every ADL request of the fund answered by margin-service, no
 * account scope still leased awaiting the waterfall, and nothing dead-lettered. An ADL leg applied on one side only
 * (its counterparty closed, its bankrupt side refused) leaves its scope awaiting the waterfall for ever, so this is
 * the check that shows it; a replay's own checks cannot when its cascade has no shortfall.
 *
 * <p>The platform has finished when none of the readings has moved for {@code quiet} (the liquidations open and
 * ended and their open orders, the fund's open orders, its waterfalls and ADL requests, the scopes awaiting the
 * waterfall, the dead letters) and the services have consumed every record. A reading is printed every
 * {@code every}, with what moved since the one before.
 */
public final class Settle {

    /** Exit code: settled, and every check held. */
    public static final int SOUND = 0;
    /** Exit code: settled, and a check failed. */
    public static final int UNSOUND = 1;
    /** Exit code: still moving when the time ran out. */
    public static final int NOT_SETTLED = 3;

    private static final Pattern AWAITING = Pattern.compile(
            "backstop_margin_scopes_awaiting_waterfall(?:\\{[^}]*})? ([0-9.E]+)");

    /**
     * One reading of the platform.
     *
     * @param liquidationsOpen        liquidation-service's liquidations QUEUED or ACTIVE
     * @param ordersOpen              their orders sent to the exchange and not answered yet (no execution, no
     *                                cancellation)
     * @param fundOrdersOpen          the fund's orders unwinding what it took over, sent and not answered yet
     * @param liquidationsEnded       its liquidations ended (completed, recovered, shortfall)
     * @param waterfalls              the fund's waterfalls, one per shortfall it applied
     * @param adlRequests             the ADL legs the fund asked margin-service to close
     * @param adlUnanswered           of them, those margin-service has not answered (or whose answer the fund has not
     *                                booked yet)
     * @param scopesAwaitingWaterfall margin-service's scopes leased to a liquidation that ended in a shortfall, whose
     *                                waterfall has not settled the remainder yet (all instances)
     * @param deadLetters             the dead-letter topics' offsets, summed over their partitions: 0 when nothing was
     *                                dead-lettered (transaction markers count too, so it can exceed the letters)
     * @param unconsumed              records margin-, liquidation- and insurance-fund-service have not consumed yet:
     *                                committed offsets behind the topics' ends, not counting one transaction marker a
     *                                partition (a transactional consumer's committed offset stops before the marker
     *                                that closed the last transaction it read)
     */
    public record Reading(long liquidationsOpen, long ordersOpen, long fundOrdersOpen, long liquidationsEnded,
                          long waterfalls, long adlRequests, long adlUnanswered, long scopesAwaitingWaterfall,
                          long deadLetters, long unconsumed) {

        /** What a settled platform has left undone or done on one side only; empty when every check holds. */
        public List<String> problems() {
            List<String> problems = new ArrayList<>();
            if (liquidationsOpen > 0) {
                problems.add(String.format("%,d liquidations still open (liquidation-service)%s", liquidationsOpen,
                        ordersOpen == 0 ? "" : String.format(", waiting on %,d orders no exchange has answered (is"
                                + " one connected? in the lab, load --exchange and settle --exchange run one)",
                                ordersOpen)));
            }
            if (fundOrdersOpen > 0) {
                problems.add(String.format("%,d of the fund's orders unwinding what it took over unanswered"
                        + " (insurance-fund-service; is an exchange connected? in the lab, settle --exchange runs one)",
                        fundOrdersOpen));
            }
            if (adlUnanswered > 0) {
                problems.add(String.format("%,d ADL requests the fund has no answer to (margin-service applies them,"
                        + " the fund books its answers)", adlUnanswered));
            }
            if (scopesAwaitingWaterfall > 0) {
                problems.add(String.format("%,d account scopes still awaiting the waterfall (margin-service): a"
                                + " shortfall whose remainder was never settled on the bankrupt side",
                        scopesAwaitingWaterfall));
            }
            if (deadLetters > 0) {
                problems.add("events dead-lettered (./backstop dead-letters lists them)");
            }
            return problems;
        }

        /** The reading on one line, with what moved since {@code before} (null for the first). */
        String line(Reading before) {
            return String.format("liquidations %s ended, %s open (%s orders open) · the fund's orders open %s"
                            + " · waterfalls %s · ADL requests %s, %s unanswered · scopes awaiting the waterfall %s"
                            + " · dead letters %s · not consumed yet %s",
                    moved(liquidationsEnded, before == null ? null : before.liquidationsEnded),
                    moved(liquidationsOpen, before == null ? null : before.liquidationsOpen),
                    moved(ordersOpen, before == null ? null : before.ordersOpen),
                    moved(fundOrdersOpen, before == null ? null : before.fundOrdersOpen),
                    moved(waterfalls, before == null ? null : before.waterfalls),
                    moved(adlRequests, before == null ? null : before.adlRequests),
                    moved(adlUnanswered, before == null ? null : before.adlUnanswered),
                    moved(scopesAwaitingWaterfall, before == null ? null : before.scopesAwaitingWaterfall),
                    moved(deadLetters, before == null ? null : before.deadLetters),
                    moved(unconsumed, before == null ? null : before.unconsumed));
        }

        private static String moved(long now, Long before) {
            return before == null || before == now ? String.format("%,d", now)
                    : String.format("%,d (%+,d)", now, now - before);
        }
    }

    /**
     * Whether the platform has settled, from its readings in turn: none has moved for {@code quiet}, and the services
     * have consumed every record (a transaction that works off a large poll for longer than the quiet period moves
     * no reading meanwhile, but its records are not consumed yet). While an exchange answers the orders, an order
     * still open is work in progress too: one sent before the exchange started is answered only once its owner asks
     * about it, after its order timeout (30 s), however quiet the platform is meanwhile. Pure: the time of each
     * reading is given.
     */
    static final class Quiescence {
        private final Duration quiet;
        private final boolean ordersAnswered;
        private Reading last;
        private Instant unchangedSince;

        /** @param ordersAnswered whether an exchange answers the orders (then none may be open once settled) */
        Quiescence(Duration quiet, boolean ordersAnswered) {
            if (quiet.isNegative() || quiet.isZero()) {
                throw new IllegalArgumentException("the quiet period must be positive, got " + quiet);
            }
            this.quiet = quiet;
            this.ordersAnswered = ordersAnswered;
        }

        /** A reading could not be made: what was read before says nothing about now. */
        void interrupted() {
            last = null;
        }

        /** Takes the reading made at {@code at}; true once the readings have not moved for the quiet period. */
        boolean settled(Reading reading, Instant at) {
            if (!reading.equals(last)) {
                last = reading;
                unchangedSince = at;
                return false;
            }
            boolean ordersDone = !ordersAnswered || reading.ordersOpen() == 0 && reading.fundOrdersOpen() == 0;
            return reading.unconsumed() == 0 && ordersDone && !at.isBefore(unchangedSince.plus(quiet));
        }
    }

    /**
     * How long the waterfall has left, from how fast margin-service's scopes awaiting it were released over the last
     * {@link #WINDOW}: what an operator waiting on a large cascade wants to know. Nothing to say while the count has
     * not fallen over the window (it rises first, as shortfalls arrive faster than the fund settles them). Pure: the
     * time of each reading is given.
     */
    static final class Remaining {
        static final Duration WINDOW = Duration.ofMinutes(5);
        private final Deque<Sample> samples = new ArrayDeque<>();

        private record Sample(Instant at, long awaiting) {
        }

        /** Takes the reading made at {@code at}; the estimate, or empty. */
        Optional<String> after(Reading reading, Instant at) {
            samples.addLast(new Sample(at, reading.scopesAwaitingWaterfall()));
            // the base is the last reading at least a window old, or the first while there is none
            Instant windowStart = at.minus(WINDOW);
            while (samples.size() > 1 && !secondOf(samples).at().isAfter(windowStart)) {
                samples.removeFirst();
            }
            Sample base = samples.peekFirst();
            long released = base.awaiting() - reading.scopesAwaitingWaterfall();
            double minutes = Duration.between(base.at(), at).toMillis() / 60_000.0;
            if (released <= 0 || minutes <= 0 || reading.scopesAwaitingWaterfall() == 0) {
                return Optional.empty();
            }
            double perMinute = released / minutes;
            return Optional.of(String.format("the waterfall released %,.0f scopes a minute over the last %.1f min:"
                    + " ~%.0f min to go", perMinute, minutes,
                    Math.ceil(reading.scopesAwaitingWaterfall() / perMinute)));
        }

        private static Sample secondOf(Deque<Sample> samples) {
            return samples.stream().skip(1).findFirst().orElseThrow();
        }
    }

    /** How the platform is read; the running platform's in {@link #of}, another in tests. */
    interface Platform {
        Reading read() throws Exception;

        /** The dead letters counted by topic and reason, for the verdict. */
        Map<String, Integer> deadLetterCounts() throws Exception;
    }

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss");

    private final Platform platform;
    private final PrintStream out;
    private final InstantSource clock;

    Settle(Platform platform, PrintStream out, InstantSource clock) {
        this.platform = platform;
        this.out = out;
        this.clock = clock;
    }

    public static Settle of(RuntimeSettings settings, PrintStream out) {
        return new Settle(new Running(settings), out, InstantSource.system());
    }

    /**
     * Reads every {@code every} until nothing has moved for {@code quiet}, then prints the verdict; gives up after
     * {@code timeout}. Returns {@link #SOUND}, {@link #UNSOUND} or {@link #NOT_SETTLED}. No exchange answers the
     * orders: those left open are named in the verdict.
     */
    public int run(Duration every, Duration quiet, Duration timeout) throws Exception {
        return run(every, quiet, timeout, false);
    }

    /**
     * As {@link #run(Duration, Duration, Duration)}; with {@code ordersAnswered} (an exchange answers the orders, as
     * {@code --exchange}'s), the platform has not settled while an order is still open.
     */
    public int run(Duration every, Duration quiet, Duration timeout, boolean ordersAnswered) throws Exception {
        if (every.isNegative() || every.isZero() || timeout.compareTo(quiet) < 0) {
            throw new IllegalArgumentException("the reading interval must be positive and the timeout at least the"
                    + " quiet period, got every " + every + ", quiet " + quiet + ", timeout " + timeout);
        }
        Quiescence quiescence = new Quiescence(quiet, ordersAnswered);
        Remaining remaining = new Remaining();
        Instant started = null;
        Instant deadline = null;
        Reading before = null;
        while (true) {
            Instant at = clock.instant();
            if (started == null) {
                started = at;
                deadline = at.plus(timeout);
            }
            String time = TIME.format(LocalTime.ofInstant(at, ZoneId.systemDefault()));
            Reading reading;
            try {
                reading = platform.read();
            } catch (Exception e) {
                // a service restarting, say: keep waiting, and count the quiet period again from the next reading
                out.printf("%s  cannot read the platform: %s%n", time, why(e));
                quiescence.interrupted();
                if (!at.isBefore(deadline)) {
                    out.printf("NOT SETTLED: the platform could not be read %d s after the first reading%n",
                            timeout.toSeconds());
                    return NOT_SETTLED;
                }
                Thread.sleep(every.toMillis());
                continue;
            }
            out.printf("%s  %s%n", time, reading.line(before));
            remaining.after(reading, at).ifPresent(estimate -> out.printf("          %s%n", estimate));
            before = reading;
            if (quiescence.settled(reading, at)) {
                out.printf("settled: nothing moved for %d s (%d s after the first reading)%n", quiet.toSeconds(),
                        Duration.between(started, at).toSeconds());
                return verdict(reading);
            }
            if (!at.isBefore(deadline)) {
                out.printf("NOT SETTLED: the platform was still moving %d s after the first reading%n",
                        timeout.toSeconds());
                if (reading.unconsumed() > 0) {
                    out.printf("  %,d records not consumed yet (a service stopped, or one transaction working off a"
                            + " large poll)%n", reading.unconsumed());
                }
                reading.problems().forEach(p -> out.println("  " + p));
                return NOT_SETTLED;
            }
            Thread.sleep(every.toMillis());
        }
    }

    /**
     * The admin client's settings: a reading gives up on the broker after 15 s (the client refuses an API timeout
     * below its request timeout).
     */
    static Map<String, Object> adminConfig(String bootstrap) {
        return Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 15_000);
    }

    /** The exception's message, and its root cause's when that says more (the Kafka client's often does). */
    public static String why(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root == e || root.getMessage() == null ? String.valueOf(e.getMessage())
                : e.getMessage() + ": " + root.getMessage();
    }

    private int verdict(Reading reading) throws Exception {
        List<String> problems = reading.problems();
        if (problems.isEmpty()) {
            out.printf("SOUND: every liquidation ended, no order of the fund unanswered, every ADL request answered,"
                    + " no scope awaiting the waterfall, nothing dead-lettered (%,d liquidations, %,d waterfalls,"
                    + " %,d ADL legs)%n",
                    reading.liquidationsEnded(), reading.waterfalls(), reading.adlRequests());
            return SOUND;
        }
        out.println("NOT SOUND:");
        problems.forEach(p -> out.println("  " + p));
        if (reading.deadLetters() > 0) {
            Map<String, Integer> letters = platform.deadLetterCounts();
            out.printf("  %,d dead letters, by topic, reason and service:%n",
                    letters.values().stream().mapToInt(Integer::intValue).sum());
            letters.forEach((k, n) -> out.printf("    %-64s %,d%n", k, n));
        }
        return UNSOUND;
    }

    /** The running platform: PostgreSQL for the liquidations and the fund, margin-service's meters, the broker. */
    private static final class Running implements Platform {
        private final RuntimeSettings settings;
        private final MarginMetrics margin;

        Running(RuntimeSettings settings) {
            this.settings = settings;
            this.margin = new MarginMetrics(HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build(),
                    LabTokens.of(settings), settings.instanceUrls(Service.MARGIN));
        }

        @Override
        public Reading read() throws Exception {
            long open;
            long orders;
            long fundOrders;
            long ended;
            long waterfalls;
            long requests;
            long unanswered;
            try (Connection c = DriverManager.getConnection(settings.jdbcUrl(), settings.pgUser(),
                    settings.pgPassword()); Statement s = c.createStatement()) {
                try (ResultSet rs = s.executeQuery("SELECT count(*) FILTER (WHERE open),"
                        + " count(*) FILTER (WHERE NOT open) FROM liquidation.liquidation")) {
                    rs.next();
                    open = rs.getLong(1);
                    ended = rs.getLong(2);
                }
                orders = single(s, "SELECT count(*) FROM liquidation.liquidation_order WHERE status = 'OPEN'");
                fundOrders = single(s, "SELECT count(*) FROM insurance.fund_order WHERE status = 'OPEN'");
                waterfalls = single(s, "SELECT count(*) FROM insurance.waterfall");
                try (ResultSet rs = s.executeQuery("SELECT count(*), count(*) FILTER (WHERE NOT answered)"
                        + " FROM insurance.adl_request")) {
                    rs.next();
                    requests = rs.getLong(1);
                    unanswered = rs.getLong(2);
                }
            } catch (SQLException e) {
                throw new IllegalStateException("cannot read the liquidations and the fund from PostgreSQL at "
                        + settings.jdbcUrl() + ": " + e.getMessage(), e);
            }
            try (Admin admin = admin()) {
                return new Reading(open, orders, fundOrders, ended, waterfalls, requests, unanswered,
                        Math.round(margin.sum(AWAITING)), deadLetterRecords(admin), unconsumed(admin));
            }
        }

        private Admin admin() {
            return Admin.create(adminConfig(settings.kafkaBootstrap()));
        }

        /** What the three consuming services' groups have not consumed yet (see {@link Reading#unconsumed}). */
        private static long unconsumed(Admin admin) throws Exception {
            long unconsumed = 0;
            for (Service service : List.of(Service.MARGIN, Service.LIQUIDATION, Service.INSURANCE_FUND)) {
                Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(service.id())
                        .partitionsToOffsetAndMetadata().get();
                Map<TopicPartition, OffsetSpec> ask = new HashMap<>();
                committed.forEach((tp, offset) -> {
                    if (offset != null) {
                        ask.put(tp, OffsetSpec.latest());
                    }
                });
                if (ask.isEmpty()) {
                    continue;
                }
                var ends = admin.listOffsets(ask, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all().get();
                for (var e : ends.entrySet()) {
                    unconsumed += Math.max(0, e.getValue().offset() - committed.get(e.getKey()).offset() - 1);
                }
            }
            return unconsumed;
        }

        private static long single(Statement s, String sql) throws SQLException {
            try (ResultSet rs = s.executeQuery(sql)) {
                rs.next();
                return rs.getLong(1);
            }
        }

        /** The records on the dead-letter topics, from their offsets (the letters are read only for the verdict). */
        private static long deadLetterRecords(Admin admin) throws Exception {
            List<String> topics = admin.listTopics().names().get().stream()
                    .filter(n -> n.endsWith(Topic.DEAD_LETTER_SUFFIX)).toList();
            if (topics.isEmpty()) {
                return 0;
            }
            Map<TopicPartition, OffsetSpec> earliest = new HashMap<>();
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            admin.describeTopics(topics).allTopicNames().get().forEach((name, d) -> d.partitions().forEach(p -> {
                earliest.put(new TopicPartition(name, p.partition()), OffsetSpec.earliest());
                latest.put(new TopicPartition(name, p.partition()), OffsetSpec.latest());
            }));
            long records = 0;
            for (var e : admin.listOffsets(latest).all().get().values()) {
                records += e.offset();
            }
            for (var e : admin.listOffsets(earliest).all().get().values()) {
                records -= e.offset();
            }
            return records;
        }

        @Override
        public Map<String, Integer> deadLetterCounts() throws Exception {
            Map<String, Integer> counts = new TreeMap<>();
            new DeadLetters(settings.kafkaBootstrap(), System.out).read(null).forEach(l -> counts.merge(
                    l.originalTopic() + " " + l.reason() + " (" + l.service() + ")", 1, Integer::sum));
            return counts;
        }
    }
}

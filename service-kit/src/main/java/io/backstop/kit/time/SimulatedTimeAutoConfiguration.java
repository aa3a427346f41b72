package io.backstop.kit.time;

import io.backstop.kit.BackstopProperties;
import io.backstop.kit.KitAutoConfiguration;
import io.backstop.kit.kafka.DeadLetterPublisher;
import io.backstop.kit.kafka.ConsumerStalls;
import io.backstop.kit.kafka.RetryPolicy;
import io.backstop.kit.lifecycle.DedicatedThread;
import io.backstop.kit.lifecycle.PeriodicWork;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.kafka.config.KafkaListenerEndpointRegistry;
import org.springframework.kafka.core.ConsumerFactory;

/**
 * Simulated time ({@code backstop.clock.mode=simulated}): the clock the lab steps, the {@link Simulation}
 * and its {@link EventDriver} in place of the listener containers, the step endpoint, and every
 * {@link PeriodicWork} and {@link DedicatedThread} told to run on the steps. On the system clock (the
 * default) none of this exists and nothing changes.
 */
@AutoConfiguration(before = KitAutoConfiguration.class)
@ConditionalOnProperty(name = "backstop.clock.mode", havingValue = "simulated")
@EnableConfigurationProperties(BackstopProperties.class)
public class SimulatedTimeAutoConfiguration {

    /** Replaces the kit's system clock (which is conditional on no other clock). */
    @Bean
    SimulatedClock simulatedClock(BackstopProperties properties) {
        return new SimulatedClock(properties.getClock().getStart());
    }

    @Bean
    @SuppressWarnings("unchecked")
    EventDriver eventDriver(KafkaListenerEndpointRegistry registry, ConsumerFactory<?, ?> consumers,
                            DeadLetterPublisher deadLetters, RetryPolicy retries, ConsumerStalls stalls,
                            BackstopProperties properties) {
        return new EventDriver(registry, (ConsumerFactory<Object, Object>) consumers, deadLetters,
                properties.getKafka().getTopicPrefix(), retries, stalls);
    }

    @Bean
    Simulation simulation(SimulatedClock clock, ObjectProvider<SimulatedWork> work, ObjectProvider<EventDriver> driver,
                          MeterRegistry meters) {
        return new Simulation(clock, work, driver, meters);
    }

    @Bean
    SimulationController simulationController(Simulation simulation) {
        return new SimulationController(simulation);
    }

    @Bean
    static BeanPostProcessor simulatedLifecycles(ObjectProvider<Simulation> simulation) {
        return new BeanPostProcessor() {
            @Override
            public Object postProcessBeforeInitialization(Object bean, String beanName) {
                if (bean instanceof PeriodicWork periodic) {
                    periodic.runOn(simulation.getObject());
                }
                if (bean instanceof DedicatedThread thread) {
                    thread.simulate();
                }
                return bean;
            }
        };
    }
}

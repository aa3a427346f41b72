package io.strimzi.crdgenerator.annotations;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Strimzi's marker of the API versions a property exists in ({@code "v1beta2"}, {@code "v1+"}), compiled
 * into the classes of {@code io.strimzi:api} with runtime retention. Strimzi does not publish the jar that
 * declares it on Maven Central; declaring the same type here lets reflection read the markers, so the
 * deploy checks reject a property that {@code kafka.strimzi.io/v1} no longer has.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.METHOD, ElementType.FIELD})
public @interface PresentInVersions {
    String value();
}

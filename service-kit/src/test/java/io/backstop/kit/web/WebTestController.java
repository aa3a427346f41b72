package io.backstop.kit.web;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** Endpoints shaped like Backstop's, for the kit's web tests: a query that can be held, an action, a body. */
@RestController
class WebTestController {

    /** Held queries wait on this until a test counts it down (at most 10 s). */
    static volatile CountDownLatch release = new CountDownLatch(0);
    static volatile CountDownLatch entered = new CountDownLatch(0);

    record Order(String clientId, BigDecimal amount, Instant at, int count) {
    }

    @GetMapping("/api/test/held")
    String held() throws InterruptedException {
        entered.countDown();
        release.await(10, TimeUnit.SECONDS);
        return "done";
    }

    @GetMapping("/api/test/page")
    String page(@RequestParam int limit, @RequestParam(required = false) java.util.UUID after) {
        return "page of " + limit;
    }

    @PostMapping("/api/test/orders")
    Order order(@RequestBody Order order) {
        return order;
    }
}

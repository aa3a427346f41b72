package io.backstop.kit.status;

import org.springframework.http.CacheControl;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The public status page ({@code /status}), its machine-readable form ({@code /api/v1/status}) and what this
 * service says of itself to the others' pages ({@code /api/v1/status/self}). No login: what it shows is what a
 * public status page of an exchange shows.
 */
@RestController
public class StatusController {

    private final PlatformStatusService status;

    public StatusController(PlatformStatusService status) {
        this.status = status;
    }

    @GetMapping(path = "/status", produces = MediaType.TEXT_HTML_VALUE)
    public ResponseEntity<String> page() {
        return ResponseEntity.ok().cacheControl(CacheControl.noStore()).body(StatusPage.render(status.status()));
    }

    @GetMapping(path = "/api/v1/status", produces = MediaType.APPLICATION_JSON_VALUE)
    public ResponseEntity<PlatformStatus> platform() {
        return ResponseEntity.ok().cacheControl(CacheControl.noStore()).body(status.status());
    }

    @GetMapping(path = "/api/v1/status/self", produces = MediaType.APPLICATION_JSON_VALUE)
    public SelfReport self() {
        return status.self();
    }
}

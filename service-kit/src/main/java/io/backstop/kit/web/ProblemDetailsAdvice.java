package io.backstop.kit.web;

import io.backstop.events.ContractViolation;
import io.backstop.events.InvalidField;
import io.backstop.events.json.EventJson;
import java.net.URI;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.TypeMismatchException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.bind.MissingServletRequestParameterException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;
import tools.jackson.core.JacksonException;
import tools.jackson.core.exc.StreamConstraintsException;

/**
 * RFC 9457 problem+json for every error a Backstop API returns, the same in every service. Spring MVC's
 * own errors (unknown path, wrong method...) come from {@link ResponseEntityExceptionHandler}. Bad input
 * is a 400 that names the offending field in {@code field} (a body path such as {@code fills[0].price},
 * a query parameter, a header) with a {@link ContractViolation.Reason} tag in {@code reason} (for a value
 * that does not bind, the one the event codec gives: {@link EventJson#reasonOf}), whatever
 * broke: a body that does not parse, a value of the wrong JSON type, a value the field's contract
 * refuses ({@link InvalidField}, {@link ContractViolation}), a string longer than
 * {@link WebLimits#maxStringLength()}, a query parameter that does not convert, or one missing. A body
 * larger than {@link WebLimits#maxBodyBytes()} is a 413. Anything unexpected is a 500 that says so.
 *
 * <p>Nothing the client sent is echoed beyond {@value #MAX_DETAIL} characters of a detail, and no
 * detail carries a Java class name or a stack trace: the answer must not become an amplifier for a
 * 10 MB field, nor a map of the internals.
 */
@RestControllerAdvice
// before Spring Boot's own problem-details handler: when both exist, the first advice that handles an
// exception answers it, and Boot's answers body errors without naming the field
@org.springframework.core.annotation.Order(org.springframework.core.Ordered.HIGHEST_PRECEDENCE)
public class ProblemDetailsAdvice extends ResponseEntityExceptionHandler {

    public static final URI CONTRACT_VIOLATION = URI.create("https://backstop.io/problems/contract-violation");
    public static final URI INVALID_REQUEST = URI.create("https://backstop.io/problems/invalid-request");
    public static final URI TOO_LARGE = URI.create("https://backstop.io/problems/body-too-large");
    public static final URI INTERNAL_ERROR = URI.create("https://backstop.io/problems/internal-error");

    /** Longest detail returned; a longer one is cut and ends with an ellipsis. */
    static final int MAX_DETAIL = 240;

    private static final Logger log = LoggerFactory.getLogger(ProblemDetailsAdvice.class);

    private final WebLimits limits;

    public ProblemDetailsAdvice(WebLimits limits) {
        this.limits = limits;
    }

    @ExceptionHandler(ContractViolation.class)
    ProblemDetail contractViolation(ContractViolation violation) {
        return badField(violation.field(), violation.reason(), violation.detail());
    }

    @ExceptionHandler(InvalidField.class)
    ProblemDetail invalidField(InvalidField invalid) {
        return badField(invalid.field(), invalid.problem().startsWith("is required")
                ? ContractViolation.Reason.MISSING_FIELD : ContractViolation.Reason.INVALID_VALUE, invalid.getMessage());
    }

    /** A request the service refuses for a reason that is no single field's (a bad combination, a bad cursor). */
    @ExceptionHandler(IllegalArgumentException.class)
    ProblemDetail invalidRequest(IllegalArgumentException e) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, clip(e.getMessage()));
        problem.setType(INVALID_REQUEST);
        problem.setTitle("Invalid request");
        return problem;
    }

    @ExceptionHandler(BodyTooLarge.class)
    ProblemDetail bodyTooLarge(BodyTooLarge e) {
        return tooLarge(e.limit());
    }

    /** The problem answered for a body over {@code limit} bytes. */
    public static ProblemDetail tooLarge(long limit) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.CONTENT_TOO_LARGE,
                "The request body is larger than the " + limit + " bytes this API accepts.");
        problem.setType(TOO_LARGE);
        problem.setTitle("Body too large");
        return problem;
    }

    static ProblemDetail badField(String field, ContractViolation.Reason reason, String detail) {
        String name = clip(field);
        // the event codec's details may quote Jackson, which names Java types: say what is wrong without them
        String said = detail == null || leaksInternals(detail) ? name + ": has the wrong type or format for this field"
                : detail;
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, clip(said));
        problem.setType(CONTRACT_VIOLATION);
        problem.setTitle("Invalid field '" + name + "'");
        problem.setProperty("field", name);
        problem.setProperty("reason", reason.tag());
        return problem;
    }

    /** A body that does not parse or breaks a field's contract: 400 naming the field where it can, 413 when too large. */
    @Override
    protected ResponseEntity<Object> handleHttpMessageNotReadable(HttpMessageNotReadableException ex, HttpHeaders headers,
                                                                  HttpStatusCode status, WebRequest request) {
        ProblemDetail problem = null;
        String path = "";
        JacksonException binding = null;
        for (Throwable t = ex; t != null; t = t.getCause()) {
            if (t instanceof BodyTooLarge large) {
                return handleExceptionInternal(ex, tooLarge(large.limit()), headers, HttpStatus.CONTENT_TOO_LARGE, request);
            }
            if (t instanceof JacksonException jackson && path.isEmpty()) {
                path = path(jackson);
                binding = jackson;
            }
            if (t instanceof StreamConstraintsException) {
                String field = path.isEmpty() ? "$" : path;
                problem = badField(field, ContractViolation.Reason.INVALID_VALUE, field
                        + ": too long or too deep (strings at most " + limits.maxStringLength() + " characters)");
                break;
            }
            if (t instanceof InvalidField invalid) {
                String field = path.isEmpty() ? invalid.field() : path.endsWith(invalid.field()) ? path
                        : path + "." + invalid.field();
                problem = badField(field, invalid.problem().startsWith("is required")
                        ? ContractViolation.Reason.MISSING_FIELD : ContractViolation.Reason.INVALID_VALUE,
                        field + ": " + invalid.problem());
                break;
            }
        }
        if (problem == null) {
            if (path.isEmpty()) {
                problem = ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST,
                        "The body is not valid JSON for this request.");
                problem.setType(CONTRACT_VIOLATION);
                problem.setTitle("Unreadable body");
                problem.setProperty("field", "$");
                problem.setProperty("reason", ContractViolation.Reason.MALFORMED_JSON.tag());
            } else {
                problem = badField(path, EventJson.reasonOf(binding), path + ": " + why(ex));
            }
        }
        return handleExceptionInternal(ex, problem, headers, HttpStatus.BAD_REQUEST, request);
    }

    /** A query parameter or path variable that does not convert to its type: names it, echoes nothing. */
    @Override
    protected ResponseEntity<Object> handleTypeMismatch(TypeMismatchException ex, HttpHeaders headers,
                                                        HttpStatusCode status, WebRequest request) {
        String name = ex instanceof MethodArgumentTypeMismatchException m ? m.getName() : ex.getPropertyName();
        String type = ex.getRequiredType() == null ? "value" : ex.getRequiredType().getSimpleName();
        ProblemDetail problem = badField(name == null ? "?" : name, ContractViolation.Reason.WRONG_TYPE,
                name + ": must be " + article(type) + " " + type);
        return handleExceptionInternal(ex, problem, headers, HttpStatus.BAD_REQUEST, request);
    }

    @Override
    protected ResponseEntity<Object> handleMissingServletRequestParameter(MissingServletRequestParameterException ex,
                                                                          HttpHeaders headers, HttpStatusCode status,
                                                                          WebRequest request) {
        ProblemDetail problem = badField(ex.getParameterName(), ContractViolation.Reason.MISSING_FIELD,
                ex.getParameterName() + ": is required");
        return handleExceptionInternal(ex, problem, headers, HttpStatus.BAD_REQUEST, request);
    }

    @ExceptionHandler(Exception.class)
    ProblemDetail unexpected(Exception e) {
        log.error("unexpected error answering a request", e);
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.INTERNAL_SERVER_ERROR,
                "The request could not be completed; the error is logged for operators.");
        problem.setType(INTERNAL_ERROR);
        problem.setTitle("Internal error");
        return problem;
    }

    /** The JSON path of the value Jackson was reading: {@code fills[0].price}. */
    private static String path(JacksonException jackson) {
        StringBuilder p = new StringBuilder();
        for (JacksonException.Reference ref : jackson.getPath()) {
            if (ref.getPropertyName() != null) {
                p.append(p.length() == 0 ? "" : ".").append(ref.getPropertyName());
            } else if (ref.getIndex() >= 0) {
                p.append('[').append(ref.getIndex()).append(']');
            }
        }
        return p.toString();
    }

    /**
     * Why a value was refused: the field contract's own words when it gave them (the decimal and instant
     * readers say what they expect), never Jackson's, which quote Java types and the input.
     */
    private static String why(Throwable ex) {
        Throwable root = ex;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root instanceof JacksonException jackson ? jackson.getOriginalMessage() : root.getMessage();
        if (message == null || leaksInternals(message)) {
            return "has the wrong type or format for this field";
        }
        return message.lines().findFirst().orElse(message);
    }

    /** Whether a message quotes Java types or packages (Jackson's do: {@code `java.lang.String`}). */
    private static boolean leaksInternals(String message) {
        return message.contains("`") || message.contains("java.") || message.contains("io.backstop")
                || message.contains("tools.jackson") || message.contains("Exception");
    }

    private static String article(String type) {
        return "AEIOUaeiou".indexOf(type.charAt(0)) >= 0 ? "an" : "a";
    }

    /** At most {@value #MAX_DETAIL} characters of {@code text}. */
    static String clip(String text) {
        if (text == null) {
            return null;
        }
        return text.length() <= MAX_DETAIL ? text : text.substring(0, MAX_DETAIL - 1) + "\u2026";
    }
}

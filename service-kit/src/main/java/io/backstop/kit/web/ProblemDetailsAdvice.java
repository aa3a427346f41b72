package io.backstop.kit.web;

import io.backstop.events.ContractViolation;
import io.backstop.events.InvalidField;
import java.net.URI;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;

/**
 * RFC 9457 problem+json for every error a Backstop API returns. Spring MVC's own errors (bad JSON,
 * validation, unknown path, wrong method...) come from {@link ResponseEntityExceptionHandler}; an
 * event or value that breaks the contract is a 400 naming the field; anything unexpected is a 500
 * that says so without leaking internals.
 */
@RestControllerAdvice
public class ProblemDetailsAdvice extends ResponseEntityExceptionHandler {

    public static final URI CONTRACT_VIOLATION = URI.create("https://backstop.io/problems/contract-violation");
    public static final URI INTERNAL_ERROR = URI.create("https://backstop.io/problems/internal-error");

    private static final Logger log = LoggerFactory.getLogger(ProblemDetailsAdvice.class);

    @ExceptionHandler(ContractViolation.class)
    ProblemDetail contractViolation(ContractViolation violation) {
        return badField(violation.field(), violation.reason(), violation.detail());
    }

    @ExceptionHandler(InvalidField.class)
    ProblemDetail invalidField(InvalidField invalid) {
        return badField(invalid.field(), ContractViolation.Reason.INVALID_VALUE, invalid.getMessage());
    }

    private static ProblemDetail badField(String field, ContractViolation.Reason reason, String detail) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, detail);
        problem.setType(CONTRACT_VIOLATION);
        problem.setTitle("Invalid field '" + field + "'");
        problem.setProperty("field", field);
        problem.setProperty("reason", reason.tag());
        return problem;
    }

    /** A body that does not parse or breaks a field's contract: 400 naming the field where it can. */
    @Override
    protected org.springframework.http.ResponseEntity<Object> handleHttpMessageNotReadable(
            org.springframework.http.converter.HttpMessageNotReadableException ex,
            org.springframework.http.HttpHeaders headers, org.springframework.http.HttpStatusCode status,
            org.springframework.web.context.request.WebRequest request) {
        ProblemDetail problem = null;
        String path = "";
        for (Throwable t = ex; t != null; t = t.getCause()) {
            if (t instanceof tools.jackson.core.JacksonException jackson && path.isEmpty()) {
                StringBuilder p = new StringBuilder();
                for (tools.jackson.core.JacksonException.Reference ref : jackson.getPath()) {
                    if (ref.getPropertyName() != null) {
                        p.append(p.length() == 0 ? "" : ".").append(ref.getPropertyName());
                    } else if (ref.getIndex() >= 0) {
                        p.append('[').append(ref.getIndex()).append(']');
                    }
                }
                path = p.toString();
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
            String root = ex.getMostSpecificCause().getMessage();
            String detail = root == null ? "the body is not valid JSON for this request" : root.lines().findFirst().orElse(root);
            problem = path.isEmpty()
                    ? ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, detail)
                    : badField(path, ContractViolation.Reason.WRONG_TYPE, detail);
            if (path.isEmpty()) {
                problem.setType(CONTRACT_VIOLATION);
                problem.setTitle("Unreadable body");
            }
        }
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
}

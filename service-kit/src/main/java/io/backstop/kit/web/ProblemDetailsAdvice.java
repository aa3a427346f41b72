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

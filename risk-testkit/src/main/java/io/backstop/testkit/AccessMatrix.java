package io.backstop.testkit;

import io.backstop.events.auth.Role;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import tools.jackson.databind.JsonNode;

/**
 * Who may call which operation, written down by the tests apart from the services' rules, and the check that a running
 * service answers so: for every operation of its OpenAPI document, no token, each role, and a trader on its own and on
 * another account. An allowed call may still fail (a 400 for the empty body it is sent), but never with 401 or 403; a
 * refused one is a 401 without a token and a 403 with one, both problem+json.
 */
public final class AccessMatrix {

    /** Who may call one operation. */
    public record Allowed(boolean isPublic, Set<Role> roles, String ownAccountIn, String ownAccountName) {

        /** Anyone, without a token. */
        public static Allowed anyone() {
            return new Allowed(true, Set.of(), null, null);
        }

        /** Holders of any of {@code roles}. */
        public static Allowed roles(Role... roles) {
            return new Allowed(false, roles.length == 0 ? Set.of() : EnumSet.copyOf(List.of(roles)), null, null);
        }

        /** Holders of {@code roles}, and a trader whose account is the path variable {@code variable}. */
        public static Allowed ownAccountInPath(String variable, Role... roles) {
            return new Allowed(false, roles(roles).roles(), "path", variable);
        }

        /** Holders of {@code roles}, and a trader whose account is the query parameter {@code parameter}. */
        public static Allowed ownAccountInQuery(String parameter, Role... roles) {
            return new Allowed(false, roles(roles).roles(), "query", parameter);
        }

        boolean allows(Role role) {
            return isPublic || roles.contains(role) || (role == Role.TRADER && ownAccountIn != null);
        }
    }

    /** The kit's endpoints, on every service. */
    public static Map<String, Allowed> kit() {
        Map<String, Allowed> kit = new LinkedHashMap<>();
        kit.put("GET /status", Allowed.anyone());
        kit.put("GET /api/v1/status", Allowed.anyone());
        kit.put("GET /api/v1/status/self", Allowed.anyone());
        kit.put("GET /api/v1/simulation", Allowed.roles(Role.OPERATOR, Role.ADMIN));
        kit.put("POST /api/v1/simulation/steps", Allowed.roles(Role.ADMIN));
        kit.put("GET /api/v1/audit", Allowed.roles(Role.OPERATOR));
        return kit;
    }

    /** One call of the matrix and what came back. */
    public record Call(String operation, String caller, String path, int expected, int status, String contentType) {

        boolean asExpected() {
            return expected == 0 ? status != 401 && status != 403
                    : status == expected && contentType.startsWith("application/problem+json");
        }
    }

    private static final String OWN = "alice";
    private static final String OTHER = "bob";

    private AccessMatrix() {
    }

    /** Every operation of {@code apiDocs} as {@code "METHOD /path/{template}"}. */
    public static Set<String> operations(JsonNode apiDocs) {
        Set<String> operations = new TreeSet<>();
        for (Map.Entry<String, JsonNode> path : apiDocs.get("paths").properties()) {
            for (Map.Entry<String, JsonNode> method : path.getValue().properties()) {
                operations.add(method.getKey().toUpperCase(Locale.ROOT) + " " + path.getKey());
            }
        }
        return operations;
    }

    /**
     * Calls every operation in {@code matrix} as each caller and returns the calls that were not answered as
     * expected (empty when the service follows the matrix); {@code calls} receives every call made.
     */
    public static List<Call> check(HttpProbe probe, Map<String, Allowed> matrix, List<Call> calls) throws Exception {
        List<Call> wrong = new ArrayList<>();
        for (Map.Entry<String, Allowed> entry : matrix.entrySet()) {
            String method = entry.getKey().substring(0, entry.getKey().indexOf(' '));
            String template = entry.getKey().substring(method.length() + 1);
            Allowed allowed = entry.getValue();
            String own = path(template, allowed, OWN);
            String other = path(template, allowed, OTHER);
            record Caller(String name, String token, String path, int expected) {
            }
            List<Caller> callers = new ArrayList<>();
            callers.add(new Caller("no token", null, own, allowed.isPublic() ? 0 : 401));
            for (Role role : Role.values()) {
                String token = role == Role.TRADER ? TestTokens.trader(OWN) : TestTokens.of(role);
                callers.add(new Caller(role.claim(), token, own, allowed.allows(role) ? 0 : 403));
            }
            if (allowed.ownAccountIn() != null) {
                callers.add(new Caller("trader of another account", TestTokens.trader(OTHER), own, 403));
                callers.add(new Caller("trader on its own account", TestTokens.trader(OTHER), other, 0));
            }
            for (Caller caller : callers) {
                HttpProbe as = caller.token() == null ? probe.anonymous() : probe.as(caller.token());
                HttpResponse<?> answer = as.head(method, caller.path(), method.equals("GET") ? null : "{}");
                Call call = new Call(entry.getKey(), caller.name(), caller.path(), caller.expected(),
                        answer.statusCode(), answer.headers().firstValue("Content-Type").orElse(""));
                calls.add(call);
                if (!call.asExpected()) {
                    wrong.add(call);
                }
            }
        }
        return wrong;
    }

    /** The template with its account variable or parameter set to {@code account} and any other variable to "x". */
    private static String path(String template, Allowed allowed, String account) {
        String path = template;
        if ("path".equals(allowed.ownAccountIn())) {
            path = path.replace("{" + allowed.ownAccountName() + "}", account);
        }
        path = path.replaceAll("\\{[^}]+}", "x");
        if ("query".equals(allowed.ownAccountIn())) {
            path = path + "?" + allowed.ownAccountName() + "=" + account;
        }
        return path;
    }
}

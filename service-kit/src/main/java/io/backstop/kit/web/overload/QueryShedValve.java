package io.backstop.kit.web.overload;

import jakarta.servlet.ServletException;
import java.io.IOException;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ValveBase;

/**
 * {@link QueryShedding} at the head of Tomcat's engine pipeline: it decides about a query once Tomcat has
 * parsed and mapped it, before the host, the context and every servlet filter. A query it sheds costs
 * nothing of them, which is what lets the service shed several queries for each one it serves; measured
 * in docs/overload.md. A shed query is therefore not in {@code http.server.requests} (Spring's filter never
 * sees it) but in {@code backstop.http.queries.shed}, which the risk API's objectives count.
 */
public final class QueryShedValve extends ValveBase {

    private final QueryShedding shedding;

    public QueryShedValve(QueryShedding shedding) {
        super(true);
        this.shedding = shedding;
    }

    @Override
    public void invoke(Request request, Response response) throws IOException, ServletException {
        shedding.handle(request.getRequest(), response.getResponse(), () -> getNext().invoke(request, response));
    }
}

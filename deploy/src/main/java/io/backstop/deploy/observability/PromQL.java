package io.backstop.deploy.observability;

import java.util.LinkedHashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The metric names a PromQL expression reads, without a full parser: strings, label matchers, ranges,
 * grouping clauses, numbers and Grafana variables are removed, then every identifier that is not a function
 * or aggregation (followed by "("), a keyword or an operator is a metric name. Enough for Backstop's
 * dashboards and rules; an expression it cannot read yields a name no service exports, so the check fails
 * loudly rather than passing quietly.
 */
public final class PromQL {

    private static final Set<String> KEYWORDS = Set.of("by", "without", "on", "ignoring", "group_left", "group_right",
            "bool", "and", "or", "unless", "offset", "inf", "nan", "atan2");
    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_:][A-Za-z0-9_:]*");

    private PromQL() {
    }

    public static Set<String> metricNames(String expr) {
        String s = expr;
        s = s.replaceAll("\\$\\{[^}]*}", "");                        // Grafana variables ${symbol}
        s = s.replaceAll("\\$[A-Za-z_][A-Za-z0-9_]*", "");          // $symbol, $__rate_interval
        s = s.replaceAll("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'|`[^`]*`", "\"\""); // strings
        s = s.replaceAll("\\{[^}]*}", " ");                          // label matchers
        s = s.replaceAll("\\[[^\\]]*]", " ");                        // ranges and subqueries
        s = s.replaceAll("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", " ");
        s = s.replaceAll("\\boffset\\s+-?[0-9a-z]+", " ");
        s = s.replaceAll("(?<![A-Za-z_:0-9])[0-9]+(\\.[0-9]+)?([eE][-+]?[0-9]+)?", " ");  // numbers
        Set<String> names = new LinkedHashSet<>();
        Matcher m = IDENTIFIER.matcher(s);
        while (m.find()) {
            String name = m.group();
            int after = m.end();
            while (after < s.length() && Character.isWhitespace(s.charAt(after))) {
                after++;
            }
            boolean call = after < s.length() && s.charAt(after) == '(';
            if (!call && !KEYWORDS.contains(name.toLowerCase(java.util.Locale.ROOT))) {
                names.add(name);
            }
        }
        return names;
    }
}

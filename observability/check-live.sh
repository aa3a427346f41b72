#!/usr/bin/env bash
# Runs every query of every Grafana dashboard (panels and variables) and every recording rule against a
# running Prometheus that scrapes Backstop, and says which return data. Exit 1 if any returns none.
#   observability/check-live.sh [http://127.0.0.1:9090] [--since 2h]
# Variables are set to "all" ($symbol, $service, $instance = .*), $__rate_interval to 1m; each query runs as a
# range query over the last --since (default 1h, step 15s): a query "has data" when a point that is a number
# (not NaN: 0/0 of a rate over an idle window) came back.
# Needs curl and jq. docs/observability.md says how to run it against a replay.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

url=http://127.0.0.1:9090; since=1h
while [[ $# -gt 0 ]]; do
  case "$1" in
    --since) since="$2"; shift 2 ;;
    http*) url="$1"; shift ;;
    *) echo "usage: $0 [prometheus-url] [--since 1h]" >&2; exit 64 ;;
  esac
done
case "$since" in *h) secs=$(( ${since%h} * 3600 )) ;; *m) secs=$(( ${since%m} * 60 )) ;; *) secs=$since ;; esac
end=$(date +%s); start=$(( end - secs ))

# query -> number of series with at least one point (or "error: ...")
series_with_data() {
  local q="$1" out
  q=$(sed -e 's/\${symbol}/.*/g; s/\$symbol/.*/g; s/\${service}/.*/g; s/\$service/.*/g' \
          -e 's/\${instance}/.*/g; s/\$instance/.*/g; s/\$__rate_interval/1m/g' <<<"$q")
  out=$(curl -sS --get "$url/api/v1/query_range" --data-urlencode "query=$q" \
        --data-urlencode "start=$start" --data-urlencode "end=$end" --data-urlencode "step=15") || { echo "error: curl"; return; }
  if [[ $(jq -r .status <<<"$out") != success ]]; then echo "error: $(jq -r .error <<<"$out")"; return; fi
  jq '[.data.result[] | select([.values[] | select(.[1] != "NaN")] | length > 0)] | length' <<<"$out"
}

total=0; empty=0
report() { # where, query
  local n; n=$(series_with_data "$2"); total=$((total + 1))
  if [[ "$n" =~ ^[0-9]+$ && "$n" -gt 0 ]]; then printf 'DATA     %-3s %s\n' "$n" "$1"
  else empty=$((empty + 1)); printf 'NO DATA  %-3s %s\n         %s\n' "${n:0:3}" "$1" "$2"; if [[ "$n" == error* ]]; then echo "         $n"; fi; fi
}

for dashboard in observability/grafana/dashboards/*.json; do
  title=$(jq -r .title "$dashboard")
  while IFS=$'\t' read -r name query; do
    query=$(sed -E 's/^label_values\(([^,]+), *([a-z_]+)\)$/count by (\2) (\1)/' <<<"$query")
    report "$title / variable \$$name" "$query"
  done < <(jq -r '.templating.list[] | select(.type=="query") | [.name, (.query.query // .query)] | @tsv' "$dashboard")
  while IFS=$'\t' read -r panel ref query; do
    report "$title / $panel / $ref" "$query"
  done < <(jq -r '.panels[] | select(.type!="row") | .title as $t | .targets[] | [$t, .refId, .expr] | @tsv' "$dashboard")
done
for rules in observability/prometheus/rules/*.yml; do
  # the recorded series themselves, as Prometheus evaluated the rule
  for record in $(grep -E '^\s*- record:' "$rules" | awk '{print $3}'); do
    report "$(basename "$rules") / record $record" "$record"
  done
done
echo "Alerts that fired in the window (for the note; not a pass/fail criterion):"
curl -sS --get "$url/api/v1/query" --data-urlencode "query=max_over_time(ALERTS{alertstate=\"firing\"}[$since])" \
  | jq -r '.data.result[].metric | del(.__name__, .alertstate) | "  " + .alertname + " " + (del(.alertname) | tostring)'
echo "$((total - empty)) of $total queries returned data; $empty returned none (Prometheus $url, last $since)"
[[ "$empty" -eq 0 ]]

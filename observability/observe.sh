#!/usr/bin/env bash
# The live data check in one command: starts Debian's Prometheus scraping the running platform (every 5 s, with
# Backstop's alert and SLO rules loaded), runs a replay (or the command you give) while it scrapes, then runs
# every dashboard query and recording rule against it (check-live.sh) and lists the alerts that fired.
#   observability/observe.sh [--keep] [-- command...]
# The default command gives every panel something to show: a replay of thin-books (shortfalls, takeovers, ADL,
# socialized loss) and, while it runs, a record no consumer can read on market.ticks (a dead letter) and a tick
# from a venue nobody configured (an ignored tick).
# Needs a running platform (./backstop up --clock simulated for a replay), prometheus (apt-get install -y
# --no-install-recommends prometheus; it fails without it), curl and jq. Ports: BACKSTOP_{ORACLE,MARGIN,LIQUIDATION,
# INSURANCE_FUND}_PORT as ./backstop uses them (8081-8084), Prometheus on BACKSTOP_OBSERVE_PORT (9090).
# Its data stays in run/observe/ (--keep leaves Prometheus running there). Exit: check-live.sh's (1 if any query
# returned no data), or the command's if it failed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

keep=false
command=(exercise)
while [[ $# -gt 0 ]]; do
  case "$1" in
    --keep) keep=true; shift ;;
    --) shift; command=("$@"); break ;;
    *) echo "usage: $0 [--keep] [-- command...]" >&2; exit 64 ;;
  esac
done
prometheus=$(command -v prometheus || true)
[[ -n "$prometheus" ]] || { echo "prometheus not found: apt-get install -y --no-install-recommends prometheus" >&2; exit 1; }
for tool in curl jq; do command -v "$tool" >/dev/null || { echo "$tool not found" >&2; exit 1; }; done

# the default command (see above)
exercise() {
  ./backstop replay thin-books &
  local replay=$!
  sleep 30 # the replay's clock is running by then
  ./backstop publish market.ticks BTC '{"not": "an event"}'
  curl -sS -o /dev/null -w 'a tick from a venue nobody configured: HTTP %{http_code}\n' -X POST \
    -H "Authorization: Bearer $(./backstop token --role feed --subject observe --ttl 10m)" \
    -H 'Content-Type: application/json' "http://127.0.0.1:${BACKSTOP_ORACLE_PORT:-8081}/api/v1/ticks" \
    -d '{"venue":"nowhere","symbol":"BTC","bid":"1","ask":"2","last":"1.5","venueTime":"2025-10-10T20:00:30Z"}'
  wait "$replay"
}

port=${BACKSTOP_OBSERVE_PORT:-9090}
url=http://127.0.0.1:$port
dir=run/observe
mkdir -p "$dir/data"
targets=()
for service in ORACLE:8081 MARGIN:8082 LIQUIDATION:8083 INSURANCE_FUND:8084; do
  name=${service%%:*}; default=${service##*:}; var=BACKSTOP_${name}_PORT
  p=${!var:-$default}
  curl -sf -o /dev/null "http://127.0.0.1:$p/actuator/health" \
    || { echo "nothing answers on 127.0.0.1:$p ($var): start the platform first (./backstop up --clock simulated)" >&2; exit 1; }
  targets+=("\"127.0.0.1:$p\"")
done
# /actuator/prometheus answers an operator's token only (docs/security.md): Prometheus scrapes with one from the local
# issuer, valid for a day, kept beside its data
(umask 077; ./backstop token --role operator --ttl 1d --subject prometheus > "$dir/scrape-token")
cat > "$dir/prometheus.yml" <<EOF
# written by observability/observe.sh: the platform on this machine, Backstop's rules
global:
  scrape_interval: 5s
  evaluation_interval: 5s
rule_files:
$(for f in "$PWD"/observability/prometheus/rules/*.yml; do echo "  - $f"; done)
scrape_configs:
  - job_name: backstop
    metrics_path: /actuator/prometheus
    authorization:
      type: Bearer
      credentials_file: $PWD/$dir/scrape-token
    static_configs:
      - targets: [$(IFS=,; echo "${targets[*]}")]
EOF
"$prometheus" --config.file="$dir/prometheus.yml" --storage.tsdb.path="$dir/data" \
  --web.listen-address="127.0.0.1:$port" > "$dir/prometheus.log" 2>&1 &
pid=$!
stop() { if ! $keep; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi; }
trap stop EXIT
for _ in $(seq 60); do
  curl -sf -o /dev/null "$url/-/ready" && break
  kill -0 "$pid" 2>/dev/null || { echo "Prometheus exited: $dir/prometheus.log" >&2; tail -5 "$dir/prometheus.log" >&2; exit 1; }
  sleep 1
done
curl -sf -o /dev/null "$url/-/ready" || { echo "Prometheus not ready within 60 s ($dir/prometheus.log)" >&2; exit 1; }
running=${command[*]}
[[ "$running" != exercise ]] || running="./backstop replay thin-books, a record no consumer reads, a tick from nowhere"
echo "Prometheus scraping ${targets[*]} every 5 s on $url; running: $running"
started=$(date +%s)
status=0
"${command[@]}" || status=$?
sleep 20   # two more scrapes and rule evaluations after the run
minutes=$(( ($(date +%s) - started) / 60 + 2 ))
rules=$(curl -sS "$url/api/v1/rules" | jq '[.data.groups[].rules[]] | {total: length, unhealthy: [.[] | select(.health != "ok") | .name]}')
echo "Prometheus rules: $(jq -r '.total' <<<"$rules") loaded, unhealthy: $(jq -c '.unhealthy' <<<"$rules")"
check=0
observability/check-live.sh "$url" --since "${minutes}m" || check=$?
if [[ $status -ne 0 ]]; then
  echo "the command exited $status" >&2
  exit "$status"
fi
$keep && echo "Prometheus left running on $url (pid $pid; data in $dir)"
exit "$check"

#!/usr/bin/env bash
# Checks a replay report in headless Chromium: the page loads, renders (a screenshot is taken), and every
# <svg class="chart"> in the browser's DOM draws data (data-points > 0).
#
#   stress-lab/check-report.sh reports/oct-2025-<time>      # or the path of its index.html
#
# Exits 0 when every chart has data; 1 when a chart has none or there are no charts; 2 when Chromium is
# missing or fails to load or render the page. CHROMIUM=/path/to/chrome picks the browser;
# SCREENSHOT=file.png keeps the screenshot (1400 px wide).
set -euo pipefail

if [[ $# -ne 1 ]]; then
  echo "usage: $0 <report dir or index.html>" >&2
  exit 2
fi
page=$1
[[ -d $page ]] && page=$page/index.html
if [[ ! -f $page ]]; then
  echo "no report at $page" >&2
  exit 2
fi
page=$(cd "$(dirname "$page")" && pwd)/$(basename "$page")

browser=${CHROMIUM:-}
if [[ -z $browser ]]; then
  for candidate in chromium chromium-browser google-chrome; do
    if command -v "$candidate" >/dev/null; then
      browser=$candidate
      break
    fi
  done
fi
if [[ -z $browser ]]; then
  echo "no Chromium found (on Debian: apt-get install chromium), or set CHROMIUM" >&2
  exit 2
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
chrome() { # a fresh profile each time; nothing fetched, nothing synced
  timeout 120 "$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$work/profile-$1" "${@:2}" "file://$page"
}

if ! chrome dom --dump-dom >"$work/dom.html" 2>"$work/dom.log" || ! grep -q '</html>' "$work/dom.html"; then
  echo "Chromium did not load $page:" >&2
  tail -5 "$work/dom.log" >&2
  exit 2
fi
shot=${SCREENSHOT:-$work/report.png}
if ! chrome shot --screenshot="$shot" --window-size=1400,4000 >"$work/shot.log" 2>&1 || [[ ! -s $shot ]]; then
  echo "Chromium did not render $page:" >&2
  tail -5 "$work/shot.log" >&2
  exit 2
fi

# One line per section title, run title and chart, in page order; the charts are judged with the titles
# above them so a failure says which chart it is.
grep -o -E '<h2>[^<]*</h2>|<h3>[^<]*</h3>|<svg [^>]*>|<p class="empty">[^<]*</p>' "$work/dom.html" | awk '
  /^<h2>/ { gsub(/<\/?h2>/, ""); section = $0; next }
  /^<h3>/ { gsub(/<\/?h3>/, ""); run = $0; next }
  /^<p class="empty">/ { notes++; next }
  /^<svg / && /class="chart"/ {
    charts++
    points = ($0 ~ /data-points="[0-9]+"/) ? $0 : ""
    sub(/.*data-points="/, "", points); sub(/".*/, "", points)
    if (points == "" || points + 0 == 0) {
      empty++
      printf "NO DATA: %s / %s (data-points=\"%s\")\n", section, run, points
    } else {
      total += points
    }
  }
  END {
    printf "%d charts, %d without data, %d data points drawn; %d \"nothing to show\" notes\n",
      charts, empty, total, notes
    if (charts == 0) { print "no <svg class=\"chart\"> in the page"; exit 1 }
    exit empty > 0 ? 1 : 0
  }'

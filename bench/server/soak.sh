#!/usr/bin/env bash
# Soak test: one `ace serve` (SQLite) under a steady mixed load for SOAK seconds
# (default 300) on loopback, with the server's resident memory sampled every 10 s.
# Passes when there are no errors, memory is flat (last sample within 20% of the one at
# one minute), and the record chain verifies afterwards. Bounded: it stops by itself.
# Usage: bench/server/soak.sh [SECONDS] [CONNECTIONS]
set -euo pipefail
cd "$(dirname "$0")/../.."
SOAK=${1:-300}
CONN=${2:-8}
command -v wrk >/dev/null || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }
cargo build --release -q -p ace
ACE=${CARGO_TARGET_DIR:-target}/release/ace
WORK=$(mktemp -d)
trap 'kill $PID 2>/dev/null || true; rm -rf "$WORK"' EXIT
TOKEN=$("$ACE" --data-dir "$WORK/data" tokens create --name soak --role analyst)
"$ACE" --data-dir "$WORK/data" serve --listen 127.0.0.1:8191 2>"$WORK/serve.log" &
PID=$!
for _ in $(seq 100); do curl -sf http://127.0.0.1:8191/healthz >/dev/null && break; sleep 0.1; done
# Warm one request of each kind so the records exist.
curl -sf -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
  -d '{"item":{"eccn":"4D004"},"destination":"DE","end_user":{"kind":"non_government"}}' \
  http://127.0.0.1:8191/v1/determinations >/dev/null
( for t in $(seq 0 10 "$SOAK"); do
    echo "$t $(awk '/VmRSS/ {print $2}' /proc/$PID/status)"; sleep 10; done ) > "$WORK/rss" &
SAMPLER=$!
ACE_TOKEN=$TOKEN wrk -t2 -c"$CONN" -d"${SOAK}s" --latency -s bench/server/mixed.lua http://127.0.0.1:8191 > "$WORK/wrk.txt"
kill $SAMPLER 2>/dev/null || true
kill -TERM $PID; wait $PID
echo "== soak: ${SOAK}s, $CONN connections, mixed calls, $(date -u +%FT%TZ), load $(cut -d' ' -f1-3 /proc/loadavg)"
grep -E "Requests/sec|Latency|50%|99%|REQUESTS" "$WORK/wrk.txt"
echo "RSS (KB) every 10 s:"; awk '{printf "%s ", $2} END {print ""}' "$WORK/rss"
"$ACE" --data-dir "$WORK/data" records verify
errors=$(awk '/REQUESTS/ {print $4 + $6}' "$WORK/wrk.txt")
first=$(awk 'NR==7 {print $2}' "$WORK/rss"); last=$(awk 'END {print $2}' "$WORK/rss")
echo "errors: $errors; RSS at 60 s: ${first} KB, at the end: ${last} KB"
[ "$errors" = 0 ] || { echo "FAIL: errors under load"; exit 1; }
awk -v a="$first" -v b="$last" 'BEGIN { exit !(b <= a * 1.2) }' || { echo "FAIL: memory grew more than 20%"; exit 1; }
echo "PASS"

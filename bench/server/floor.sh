#!/usr/bin/env bash
# What a determination costs beyond the HTTP request that carries it. One `ace serve`
# (SQLite) is loaded, ROUNDS times in turn, with
#   rejected       rejected.lua: the requests of determinations-unique.lua, each made one the
#                  server rejects after reading and parsing its body (a short 400) — HTTP,
#                  routing, access log, metrics, the token check and the JSON parse: the
#                  floor every determination stands on;
#   determination  determinations-unique.lua: the same requests decided (a new party name
#                  every time: screening, deciding, the record committed, the answer with its trace);
# and prints, per load, requests/s, p99 and the server's CPU per request (utime and stime
# of the process over the load, from /proc, divided by the requests wrk completed), then the
# medians and the determination's own part (its CPU per request less the floor's).
#
#   bench/server/floor.sh                 (ROUNDS=3 DURATION=6s WARMUP=2s CONNECTIONS=16 THREADS=2)
#   ROUNDS=5 bench/server/floor.sh
#
# The floor is measured at its own rate, several times the determinations': a busier server
# wakes less often per request, so under determinations the floor is, if anything, higher.
set -euo pipefail
cd "$(dirname "$0")/../.."

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-6s}
WARMUP=${WARMUP:-2s}
CONNECTIONS=${CONNECTIONS:-16}
THREADS=${THREADS:-2}
PORT=${PORT:-8196}

. bench/server/lib.sh
need_count ROUNDS "$ROUNDS"
need_count CONNECTIONS "$CONNECTIONS"
need_count THREADS "$THREADS"
ensure_wrk
build_current

WORK=$(mktemp -d)
PID=
cleanup() {
    if [ -n "$PID" ]; then kill -TERM "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT

DB=$WORK/data/records.sqlite3
TOKEN=$("$CURRENT" --data-dir "$WORK/data" tokens create --name floor --role analyst --database "$DB")
"$CURRENT" --data-dir "$WORK/data" serve --listen "127.0.0.1:$PORT" --database "$DB" 2>>"$WORK/serve.log" &
PID=$!
wait_healthy "$PORT" "$WORK/serve.log"

HZ=$(getconf CLK_TCK)
cpu_ticks() { stat_ticks "/proc/$PID/stat"; }

# load LABEL LUA EXPECTED_STATUS: warms, then loads; prints "LABEL req/s p99 cpu-µs" and
# fails when a response had another status than the one the load is for.
load() {
    local label=$1 lua=$2 expected=$3 t0 t1
    ACE_TOKEN=$TOKEN wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" -s "$lua" \
        "http://127.0.0.1:$PORT/v1/determinations" >/dev/null
    t0=$(cpu_ticks)
    ACE_TOKEN=$TOKEN wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s "$lua" \
        "http://127.0.0.1:$PORT/v1/determinations" >"$WORK/wrk.txt"
    t1=$(cpu_ticks)
    awk -v label="$label" -v expected="$expected" -v t="$((t1 - t0))" -v hz="$HZ" '
        / requests in / {n = $1}
        /^Requests\/sec/ {rps = $2}
        $1 == "99%" {p99 = $2}
        /^ACK / {acked = $2; rejected = $4}
        END {
            if (n == 0) { print label ": no requests completed" > "/dev/stderr"; exit 1 }
            wrong = (expected == 400) ? acked : rejected
            if (wrong > 0) { printf "%s: %d responses without status %s\n", label, wrong, expected > "/dev/stderr"; exit 1 }
            printf "%s %.0f %s %.1f\n", label, rps, p99, t * 1e6 / hz / n
        }' "$WORK/wrk.txt"
}

echo "== floor and determination, SQLite, new names, wrk -t$THREADS -c$CONNECTIONS -d$DURATION after $WARMUP, $ROUNDS rounds; $(date -u +%FT%TZ)"
printf '%-6s %-14s %8s %10s %8s\n' round load req/s p99 cpu-µs
: >"$WORK/loads"
for round in $(seq "$ROUNDS"); do
    for what in "rejected bench/server/rejected.lua 400" \
        "determination bench/server/determinations-unique.lua 201"; do
        # shellcheck disable=SC2086 # the three words are load's three arguments
        load $what >"$WORK/load"
        read -r label rps p99 cpu <"$WORK/load"
        printf '%-6s %-14s %8s %10s %8s\n' "$round" "$label" "$rps" "$p99" "$cpu"
        echo "$label $cpu" >>"$WORK/loads"
    done
done
kill -TERM "$PID"
wait "$PID" || { echo "ace serve exited non-zero" >&2; exit 1; }
PID=

median() { grep "^$1 " "$WORK/loads" | awk '{print $2}' | sort -g |
    awk '{v[++n] = $1} END {printf "%.1f", (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2}'; }
floor=$(median rejected)
whole=$(median determination)
echo
echo "median CPU-µs per request: floor (rejected after parsing) $floor, determination $whole"
awk -v f="$floor" -v w="$whole" 'BEGIN {
    printf "the determination'\''s own part: %.1f µs (%.0f%% of it); issue 14 asks <= 100 µs for the whole\n", w - f, (w - f) * 100 / w }'

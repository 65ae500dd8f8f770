#!/usr/bin/env bash
# Instructions per determination over HTTP: a figure the machine's load does not move.
#
# CPU-µs per request (run.sh, pairs.sh) swings by tens of percent on a shared VM, and this
# VM exposes no hardware counters. valgrind's callgrind counts the instructions `ace serve`
# executes, which for the same binary and the same requests come out nearly the same
# whatever else the machine does. The server (SQLite) runs under callgrind twice per build:
# answering FEW and then MANY requests (requests.py: one keep-alive connection, one request
# at a time, a new made-up name for every party, fixed seed); the difference divided by
# MANY - FEW is the marginal instructions per determination — start-up cancels out; the
# checkpoint signed at shutdown checks every record appended, so that per-record work is
# in the figure. One request at a time, so each commit holds one record: this is the cost of a
# determination without group commit's sharing, and without wrk on the same cores.
#
#   bench/server/instructions.sh                      (the current build)
#   BASELINE=b592a5ae bench/server/instructions.sh    (and a baseline: revision or binary)
#   FEW=100 MANY=600 bench/server/instructions.sh     (the defaults)
#
# Needs valgrind and python3. Slow: each request takes ~20-50 ms under callgrind.
set -euo pipefail
cd "$(dirname "$0")/../.."

FEW=${FEW:-100}
MANY=${MANY:-600}
PORT=${PORT:-8196}
BASELINE=${BASELINE:-}
. bench/server/lib.sh
need_count FEW "$FEW"
need_count MANY "$MANY"
[ "$MANY" -gt "$FEW" ] || { echo "MANY ($MANY) must be larger than FEW ($FEW)" >&2; exit 2; }
command -v valgrind >/dev/null || { echo "valgrind is needed (apt-get install valgrind)" >&2; exit 2; }
build_current

WORK=$(mktemp -d)
PID=
cleanup() {
    if [ -n "$PID" ]; then kill -TERM "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; fi
    remove_baseline_worktree "$WORK"
    rm -rf "$WORK"
}
trap cleanup EXIT

# The builds to measure: the current tree, and BASELINE's when given.
list_builds "$WORK"

# instructions ACE N: instructions `ace serve` executes from start to exit, answering N
# requests.
instructions() {
    local ace=$1 n=$2 token out
    rm -rf "$WORK/data" "$WORK"/callgrind.*
    token=$("$ace" --data-dir "$WORK/data" tokens create --name instructions --role analyst)
    valgrind --tool=callgrind --callgrind-out-file="$WORK/callgrind.%p" \
        "$ace" --data-dir "$WORK/data" serve --listen "127.0.0.1:$PORT" 2>>"$WORK/serve.log" &
    PID=$!
    # Under callgrind the server starts tens of times slower: up to two minutes.
    wait_healthy "$PORT" "$WORK/serve.log" 1200 || return 1
    python3 bench/server/requests.py "$PORT" "$token" "$n"
    kill -TERM "$PID"
    wait "$PID" || { echo "ace serve exited non-zero under valgrind" >&2; tail "$WORK/serve.log" >&2; exit 1; }
    PID=
    out=$(ls "$WORK"/callgrind.*)
    awk '/^(summary|totals):/ {print $2; exit}' $out
}

echo "== instructions per determination: SQLite, one request at a time, $FEW and $MANY requests under callgrind; $(date -u +%FT%TZ)"
for build in "${BUILDS[@]}"; do
    label=${build%%=*}
    ace=${build#*=}
    few=$(instructions "$ace" "$FEW")
    many=$(instructions "$ace" "$MANY")
    awk -v l="$label" -v a="$few" -v b="$many" -v f="$FEW" -v m="$MANY" 'BEGIN {
        printf "  %-10s %12.0f instructions per determination  (%d requests: %.3e, %d: %.3e)\n",
            l, (b - a) / (m - f), f, a, m, b }'
done

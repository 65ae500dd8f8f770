#!/usr/bin/env bash
# Before/after on a machine whose speed drifts: short loads of one `ace serve` alternating
# the current build and a baseline build, pair after pair, each pair's figures side by side
# and, per measure, the new/old change of every pair and its median.
#
#   BASELINE=b592a5ae bench/server/pairs.sh          (a revision, built in a temporary worktree)
#   BASELINE=/path/to/ace bench/server/pairs.sh      (an ace binary built before)
#   PAIRS=11 WORKLOAD=recurring DATABASE=pg bench/server/pairs.sh
#
# Defaults: PAIRS=6, WORKLOAD=unique (determinations-unique.lua: a new name per party),
# DATABASE=sqlite (or pg: a fresh database per load on ACE_BENCH_POSTGRES_URL), DURATION=8s
# after WARMUP=3s, CONNECTIONS=16, THREADS=2. Per load, from /proc of the server process:
#   cpu     utime+stime of the server per request (µs);
#   writer  the same for its records-writer thread alone (µs);
#   disk    bytes the server wrote to storage per request (/proc/PID/io write_bytes);
# and wrk's requests/s and p99. The whole run (bench/server/run.sh) gives the absolute
# figures and the goals; this script answers "did the change help" when neighbouring
# loads of the same build differ by tens of percent, as on a shared VM.
set -euo pipefail
cd "$(dirname "$0")/../.."

PAIRS=${PAIRS:-6}
WORKLOAD=${WORKLOAD:-unique}
DATABASE=${DATABASE:-sqlite}
DURATION=${DURATION:-8s}
WARMUP=${WARMUP:-3s}
CONNECTIONS=${CONNECTIONS:-16}
THREADS=${THREADS:-2}
PG_ADMIN=${ACE_BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}
PORT=${PORT:-8195}
BASELINE=${BASELINE:?set BASELINE to a revision or an ace binary}

case $WORKLOAD in
    recurring) LUA=bench/server/determinations.lua ;;
    unique) LUA=bench/server/determinations-unique.lua ;;
    *) echo "WORKLOAD must be recurring or unique, not '$WORKLOAD'" >&2; exit 2 ;;
esac
case $DATABASE in sqlite | pg) ;; *) echo "DATABASE must be sqlite or pg, not '$DATABASE'" >&2; exit 2 ;; esac
. bench/server/lib.sh
need_count PAIRS "$PAIRS"
need_count CONNECTIONS "$CONNECTIONS"
need_count THREADS "$THREADS"
ensure_wrk
build_current
NEW=$CURRENT

WORK=$(mktemp -d)
PID=
cleanup() {
    if [ -n "$PID" ]; then kill -TERM "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; fi
    psql -q "$PG_ADMIN" -c "DROP DATABASE IF EXISTS ace_bench_pairs WITH (FORCE)" >/dev/null 2>&1 || true
    remove_baseline_worktree "$WORK"
    rm -rf "$WORK"
}
trap cleanup EXIT

build_baseline "$BASELINE" "$WORK"
OLD=$BASELINE_BIN
OLD_LABEL=$BASELINE_LABEL
[ "$OLD_LABEL" = baseline ] && OLD_LABEL=$BASELINE

# The server's CPU ticks, its writer thread's, and the bytes it has written.
ticks() { stat_ticks "/proc/$PID/stat"; }
writer_ticks() {
    local t=0 task
    for task in /proc/"$PID"/task/*; do
        [ "$(cat "$task/comm")" = records-writer ] && t=$((t + $(stat_ticks "$task/stat")))
    done
    echo "$t"
}
written() { awk '/^write_bytes/ {print $2}' "/proc/$PID/io"; }

# measure BINARY: starts a fresh server, warms it, loads it; prints
# "requests/s p99 cpu-µs writer-µs disk-bytes" (per request).
measure() {
    local ace=$1 db token
    rm -rf "$WORK/data"
    if [ "$DATABASE" = pg ]; then
        psql -q "$PG_ADMIN" -c "DROP DATABASE IF EXISTS ace_bench_pairs WITH (FORCE)" >/dev/null
        psql -q "$PG_ADMIN" -c "CREATE DATABASE ace_bench_pairs" >/dev/null
        db="${PG_ADMIN%/*}/ace_bench_pairs"
    else
        db=$WORK/data/records.sqlite3
    fi
    token=$("$ace" --data-dir "$WORK/data" tokens create --name pairs --role analyst --database "$db")
    "$ace" --data-dir "$WORK/data" serve --listen "127.0.0.1:$PORT" --database "$db" 2>>"$WORK/serve.log" &
    PID=$!
    wait_healthy "$PORT" "$WORK/serve.log" || return 1
    ACE_TOKEN=$token wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" -s "$LUA" \
        "http://127.0.0.1:$PORT/v1/determinations" >/dev/null
    local t0 w0 d0 t1 w1 d1
    t0=$(ticks); w0=$(writer_ticks); d0=$(written)
    ACE_TOKEN=$token wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s "$LUA" \
        "http://127.0.0.1:$PORT/v1/determinations" >"$WORK/wrk.txt"
    t1=$(ticks); w1=$(writer_ticks); d1=$(written)
    kill -TERM "$PID"; wait "$PID" || { echo "ace serve exited non-zero" >&2; exit 1; }
    PID=
    awk -v t="$((t1 - t0))" -v w="$((w1 - w0))" -v d="$((d1 - d0))" -v hz="$(getconf CLK_TCK)" '
        / requests in / {n = $1}
        /^Requests\/sec/ {rps = $2}
        $1 == "99%" {p99 = $2}
        END {
            if (n == 0) { print "no requests completed" > "/dev/stderr"; exit 1 }
            printf "%.0f %s %.0f %.0f %.0f\n", rps, p99, t * 1e6 / hz / n, w * 1e6 / hz / n, d / n
        }' "$WORK/wrk.txt"
}

echo "== $PAIRS pairs, $WORKLOAD names, $DATABASE, wrk -t$THREADS -c$CONNECTIONS -d$DURATION after $WARMUP; new = current tree, old = $OLD_LABEL; $(date -u +%FT%TZ)"
printf '%-5s %-4s %8s %10s %7s %9s %9s\n' pair build req/s p99 cpu-µs writer-µs disk-B
: >"$WORK/pairs"
for pair in $(seq "$PAIRS"); do
    measure "$NEW" >"$WORK/load"
    read -r n_rps n_p99 n_cpu n_w n_d <"$WORK/load"
    printf '%-5s %-4s %8s %10s %7s %9s %9s\n' "$pair" new "$n_rps" "$n_p99" "$n_cpu" "$n_w" "$n_d"
    measure "$OLD" >"$WORK/load"
    read -r o_rps o_p99 o_cpu o_w o_d <"$WORK/load"
    printf '%-5s %-4s %8s %10s %7s %9s %9s\n' "$pair" old "$o_rps" "$o_p99" "$o_cpu" "$o_w" "$o_d"
    echo "$n_rps $o_rps $n_cpu $o_cpu $n_w $o_w $n_d $o_d" >>"$WORK/pairs"
done

# Per measure: every pair's new/old change, and the median of them (plain awk and sort:
# mawk has no asort).
echo
echo "new against old, pair by pair (median last):"
for measure in "requests/s:1" "server CPU per request:3" "writer CPU per request:5" "bytes written per request:7"; do
    name=${measure%%:*}
    col=${measure##*:}
    changes=$(awk -v c="$col" '$(c + 1) > 0 {printf "%.1f\n", ($c / $(c + 1) - 1) * 100}' "$WORK/pairs")
    line=$(echo "$changes" | awk 'NF {printf " %+.0f%%", $1}')
    median=$(echo "$changes" | sort -g | awk 'NF {v[++n] = $1} END {
        if (n == 0) print "-"; else printf "%+.0f%%", (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2 }')
    printf '  %-27s%s   median %s\n' "$name" "$line" "$median"
done

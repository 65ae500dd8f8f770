#!/usr/bin/env bash
# HTTP numbers for `POST /v1/determinations` (the record written before the response),
# loaded with wrk over loopback:
#   1. one `ace serve` on SQLite (the embedded default);
#   2. one `ace serve` on PostgreSQL;
#   3. two `ace serve` on two ports sharing one PostgreSQL, loaded at once;
# after each: `ace records verify` must pass, the ids must be gap-free, and every
# acknowledged (2xx) determination must be in the store (records >= acknowledged).
#
# Each setup is loaded twice: with determinations.lua (six transactions whose parties recur,
# as a company's customers do: the server's screening memo answers the repeats) and with
# determinations-unique.lua (the same transactions with a new made-up name for every party
# of every request: every screening walks the index).
#
# Usage: bench/server/run.sh            (DURATION=10s CONNECTIONS=16 THREADS=2 WARMUP=3s by default)
#        WARMUP=0 bench/server/run.sh   (no warm-up: the measured load starts on a cold server)
#        BASELINE=b25fdb27 bench/server/run.sh   (each setup also with the build of that
#        revision, right after the current build's load, for a before/after on one machine state;
#        BASELINE may also be the path of an ace binary built before)
# Each line also says the server's CPU time per request (utime+stime of the `ace serve`
# processes over the load, divided by the requests wrk completed), so a noisy machine
# cannot hide a regression behind a lower req/s.
# Needs: wrk (installed with apt-get if missing), curl, psql, a PostgreSQL server
# (ACE_BENCH_POSTGRES_URL, default postgres://postgres@127.0.0.1:5432/postgres; the script
# creates and drops its own databases there). Loopback only; bounded duration.
set -euo pipefail
cd "$(dirname "$0")/../.."

DURATION=${DURATION:-10s}
# Load before each measured one, not counted in its figures (its records are verified with
# the rest): the first seconds of a new server fault in the mapped screening index and
# fill the screening memo, which says nothing about its steady state.
WARMUP=${WARMUP:-3s}
CONNECTIONS=${CONNECTIONS:-16}
THREADS=${THREADS:-2}
PG_ADMIN=${ACE_BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}
WORKLOADS=${WORKLOADS:-"recurring unique"}
BASELINE=${BASELINE:-}
# SAVE=1 keeps this run's figures of the current build in bench/server/previous.tsv, which
# the next run prints beside its own.
SAVE=${SAVE:-0}
PREVIOUS=bench/server/previous.tsv
# ONE_CORE=1 also loads the current build's SQLite server pinned to one core (taskset -c 0,
# wrk left to the other core) with new names, for the 1-to-2-core scaling of issue 14.
ONE_CORE=${ONE_CORE:-1}

. bench/server/lib.sh
ensure_wrk
build_current

WORK=$(mktemp -d)
PIDS=()
PG_DBS=()
cleanup() {
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    for db in "${PG_DBS[@]}"; do psql -q "$PG_ADMIN" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true; done
    remove_baseline_worktree "$WORK"
    rm -rf "$WORK"
}
trap cleanup EXIT

# The builds to measure: the current tree, and BASELINE's when given.
list_builds "$WORK"

# A fresh PostgreSQL database; prints its URL (the caller adds the name to PG_DBS: this
# runs in a subshell).
fresh_pg() {
    local name=$1
    psql -q "$PG_ADMIN" -c "DROP DATABASE IF EXISTS $name WITH (FORCE)" >/dev/null
    psql -q "$PG_ADMIN" -c "CREATE DATABASE $name" >/dev/null
    echo "${PG_ADMIN%/*}/$name"
}

# start_server PORT DATABASE: starts `ace serve` in the background, waits for /healthz.
start_server() {
    local port=$1 db=$2
    $PIN "$ACE" --data-dir "$WORK/data" serve --listen "127.0.0.1:$port" --database "$db" 2>>"$WORK/serve-$port.log" &
    PIDS+=($!)
    wait_healthy "$port" "$WORK/serve-$port.log" || exit 1
}

# stop_servers: SIGTERM, wait (graceful shutdown must exit 0).
stop_servers() {
    for pid in "${PIDS[@]}"; do kill -TERM "$pid"; done
    for pid in "${PIDS[@]}"; do wait "$pid" || { echo "ace serve exited non-zero" >&2; exit 1; }; done
    PIDS=()
}

# lua_of WORKLOAD: the wrk script of a workload.
lua_of() {
    case $1 in
        recurring) echo bench/server/determinations.lua ;;
        unique) echo bench/server/determinations-unique.lua ;;
        *) echo "unknown workload $1 (recurring or unique)" >&2; exit 2 ;;
    esac
}

# cpu_ticks: utime + stime of the running servers, in clock ticks.
cpu_ticks() {
    local total=0 pid
    for pid in "${PIDS[@]}"; do
        total=$((total + $(stat_ticks "/proc/$pid/stat")))
    done
    echo "$total"
}

# warm_up PORT CONNECTIONS: WARMUP of the same load, unmeasured; its acknowledged
# determinations are added to $WORK/warm_acked (they are recorded like the others).
warm_up() {
    [ "$WARMUP" = 0 ] && return 0
    ACE_TOKEN=$TOKEN wrk -t"$THREADS" -c"$2" -d"$WARMUP" -s "$LUA" \
        "http://127.0.0.1:$1/v1/determinations" >"$WORK/warm-$1.txt"
    awk '/^ACK/ {s += $2} END {print s + 0}' "$WORK/warm-$1.txt" >>"$WORK/warm_acked"
}

# load PORT CONNECTIONS OUTFILE: wrk against one server.
load() {
    ACE_TOKEN=$TOKEN wrk -t"$THREADS" -c"$2" -d"$DURATION" --latency -s "$LUA" \
        "http://127.0.0.1:$1/v1/determinations" >"$3"
}

# summarize NAME CPU_TICKS WRK_OUTPUT...: requests/s, p50, p99, server CPU µs per request,
# acknowledged.
summarize() {
    local name=$1 ticks=$2; shift 2
    local rps acked p50 p99 requests cpu
    rps=$(awk '/^Requests\/sec/ {s += $2} END {printf "%.0f", s}' "$@")
    acked=$(awk '/^ACK/ {s += $2} END {print s}' "$@")
    requests=$(awk '/ requests in / {s += $1} END {print s}' "$@")
    p50=$(awk '$1 == "50%" {print $2}' "$@" | paste -sd/ -)
    p99=$(awk '$1 == "99%" {print $2}' "$@" | paste -sd/ -)
    cpu=$(awk -v t="$ticks" -v hz="$(getconf CLK_TCK)" -v n="$requests" \
        'BEGIN {if (n > 0) printf "%.0f", t * 1e6 / hz / n; else print "-"}')
    local warm=0
    if [ -f "$WORK/warm_acked" ]; then warm=$(awk '{s += $1} END {print s + 0}' "$WORK/warm_acked"); rm -f "$WORK/warm_acked"; fi
    echo "$((acked + warm))" >"$WORK/acked"
    printf '%-58s %6s req/s  p50 %-12s p99 %-12s %4s CPU-µs/req  acknowledged %s\n' \
        "$name" "$rps" "$p50" "$p99" "$cpu" "$acked" | tee -a "$WORK/summary"
    # For the goals: name, requests/s, the worst p99 in ms, CPU-µs per request.
    printf '%s\t%s\t%s\t%s\n' "$name" "$rps" "$(worst_ms "$p99")" "$cpu" >>"$WORK/figures"
}

# worst_ms P99S: the largest of wrk's latencies ("850.00us/4.93ms/1.02s"), in ms.
worst_ms() {
    echo "$1" | tr '/' '\n' | awk '
        /us$/ {v = $0 + 0; v /= 1000} /ms$/ {v = $0 + 0} /[0-9]s$/ && !/[mu]s$/ {v = ($0 + 0) * 1000}
        v > m {m = v} END {printf "%.2f", m}'
}

# check DATABASE: the chain verifies, ids are gap-free, and nothing acknowledged is missing.
check() {
    local db=$1 acked report records head
    acked=$(cat "$WORK/acked")
    report=$("$ACE" --data-dir "$WORK/data" records verify --json --database "$db") || {
        echo "records verify FAILED: $report" >&2; exit 1; }
    records=$(echo "$report" | sed -n 's/^  "records": \([0-9]*\),/\1/p')
    head=$(echo "$report" | tr -d '\n ' | sed -n 's/.*"head":{"id":\([0-9]*\).*/\1/p')
    if [ "$records" != "$head" ] || [ "$records" -lt "$acked" ]; then
        echo "CHECK FAILED: $records records, head id $head, $acked acknowledged" >&2; exit 1
    fi
    printf '  verify ok: %s records, ids 1..%s gap-free, %s acknowledged, none missing\n' \
        "$records" "$head" "$acked" | tee -a "$WORK/summary"
}

run_single() {
    local name=$1 db=$2 port=$3 before ticks
    TOKEN=$("$ACE" --data-dir "$WORK/data" tokens create --name "bench-$port" --role analyst --database "$db")
    start_server "$port" "$db"
    warm_up "$port" "$CONNECTIONS"
    before=$(cpu_ticks)
    load "$port" "$CONNECTIONS" "$WORK/wrk-$port.txt"
    ticks=$(($(cpu_ticks) - before))
    stop_servers
    cat "$WORK/wrk-$port.txt" >&2
    summarize "$name" "$ticks" "$WORK/wrk-$port.txt"
    check "$db"
}

# The three setups; each loads build $ACE (labelled $LABEL) with workload $WORKLOAD.
sqlite_single() {
    run_single "[$LABEL] SQLite, one server ($WORKLOAD)" "$WORK/data/records-$DB_TAG.sqlite3" 8181
}

pg_single() {
    local pg
    pg=$(fresh_pg "ace_bench_single_$DB_TAG")
    PG_DBS+=("ace_bench_single_$DB_TAG")
    run_single "[$LABEL] PostgreSQL, one server ($WORKLOAD)" "$pg" 8182
}

pg_shared() {
    local shared half wa wb a b before ticks
    shared=$(fresh_pg "ace_bench_shared_$DB_TAG")
    PG_DBS+=("ace_bench_shared_$DB_TAG")
    TOKEN=$("$ACE" --data-dir "$WORK/data" tokens create --name "bench-shared-$DB_TAG" --role analyst --database "$shared")
    start_server 8183 "$shared"
    start_server 8184 "$shared"
    half=$((CONNECTIONS / 2))
    warm_up 8183 "$half" &
    wa=$!
    warm_up 8184 "$half" &
    wb=$!
    wait $wa $wb
    before=$(cpu_ticks)
    load 8183 "$half" "$WORK/wrk-8183.txt" &
    a=$!
    load 8184 "$half" "$WORK/wrk-8184.txt" &
    b=$!
    wait $a $b
    ticks=$(($(cpu_ticks) - before))
    stop_servers
    cat "$WORK/wrk-8183.txt" "$WORK/wrk-8184.txt" >&2
    summarize "[$LABEL] PostgreSQL, two servers ($WORKLOAD; sum; p: A/B)" "$ticks" "$WORK/wrk-8183.txt" "$WORK/wrk-8184.txt"
    check "$shared"
}

PIN=
echo "== $(nproc) cores; wrk -t$THREADS -c$CONNECTIONS -d$DURATION after a $WARMUP warm-up; $(date -u +%FT%TZ)" | tee "$WORK/summary"

# Each setup is loaded with every build back to back, so that a machine whose speed drifts
# during the run (a shared VM's does, by tens of percent within minutes) weighs on the
# builds alike rather than on whichever ran last.
for WORKLOAD in $WORKLOADS; do
    LUA=$(lua_of "$WORKLOAD")
    for SETUP in sqlite_single pg_single pg_shared; do
        for BUILD in "${BUILDS[@]}"; do
            LABEL=${BUILD%%=*}
            ACE=${BUILD#*=}
            DB_TAG="${WORKLOAD}_${LABEL}"
            $SETUP
        done
    done
done

# The current build's SQLite server on one core, new names: the scaling's denominator.
if [ "$ONE_CORE" = 1 ] && [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null; then
    ACE=$CURRENT LABEL=current LUA=$(lua_of unique) PIN="taskset -c 0"
    run_single "[current] SQLite, one server on ONE core (unique)" "$WORK/data/records-one-core.sqlite3" 8185
    PIN=
fi

# goals FIGURES: each goal of issues 13 and 14 beside the current build's measured figure.
goals() {
    awk -F '\t' '
        function line(goal, measured, ok) {
            printf "  %-74s %-34s %s\n", goal, measured, (ok ? "met" : "NOT MET")
        }
        $1 ~ /^\[current\]/ {rps[$1] = $2; p99[$1] = $3; cpu[$1] = $4}
        END {
            print "Goals (current build):"
            for (name in rps) {
                if (name ~ /one server \((recurring|unique)\)/) {
                    setup = name; sub(/^\[current\] /, "", setup)
                    line("issue 13: >= 5,000 req/s, p99 < 20 ms — " setup,
                         rps[name] " req/s, p99 " p99[name] " ms", rps[name] >= 5000 && p99[name] < 20)
                }
            }
            u = "[current] SQLite, one server (unique)"
            if (u in rps) {
                line("issue 14: >= 8,000 req/s, SQLite, new names", rps[u] " req/s", rps[u] >= 8000)
                line("issue 14: p99 < 10 ms, SQLite, new names", "p99 " p99[u] " ms", p99[u] < 10)
                line("issue 14: <= 100 CPU-µs per determination, new names", cpu[u] " CPU-µs/req", cpu[u] <= 100)
                one = "[current] SQLite, one server on ONE core (unique)"
                if (one in rps && rps[one] > 0) {
                    ratio = rps[u] / rps[one]
                    line("issue 14: >= 1.6x from 1 to 2 cores (wrk shares the 2)",
                         sprintf("%.2fx (%s -> %s req/s)", ratio, rps[one], rps[u]), ratio >= 1.6)
                }
            }
        }' "$1" | { read -r header; echo "$header"; sort -k2; }
}

# beside_previous FIGURES: the current build's figures beside those of $PREVIOUS.
beside_previous() {
    [ -f "$PREVIOUS" ] || { echo "(no $PREVIOUS: SAVE=1 keeps this run's figures there)"; return 0; }
    echo "Beside the previous run ($PREVIOUS, $(awk -F '\t' '$1 == "#run" {print $2}' "$PREVIOUS")):"
    awk -F '\t' '
        NR == FNR { if ($1 !~ /^#/) {prev[$1] = $2 " req/s, p99 " $3 " ms, " $4 " µs"}; next }
        $1 ~ /^\[current\]/ {
            setup = $1; sub(/^\[current\] /, "", setup)
            printf "  %-58s now %6s req/s, p99 %6s ms, %4s µs   previous %s\n", setup, $2, $3, $4,
                (setup in prev ? prev[setup] : "-")
        }' "$PREVIOUS" "$1"
}

echo
cat "$WORK/summary"
echo
goals "$WORK/figures" | tee -a "$WORK/summary"
echo
beside_previous "$WORK/figures" | tee -a "$WORK/summary"
if [ "$SAVE" = 1 ]; then
    {
        printf '#run\t%s, %s\n' "$(date -u +%FT%TZ)" "$(git rev-parse --short HEAD)"
        awk -F '\t' '$1 ~ /^\[current\]/ {sub(/^\[current\] /, "", $1); print $1 "\t" $2 "\t" $3 "\t" $4}' OFS='\t' "$WORK/figures"
    } >"$PREVIOUS"
    echo "saved to $PREVIOUS"
fi

# Shared by run.sh and pairs.sh (sourced, not run): wrk, the current build, a baseline build.

# ensure_wrk: installs wrk with apt-get when it is missing.
ensure_wrk() {
    command -v wrk >/dev/null && return 0
    apt-get install -y wrk >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }
}

# build_current: builds ace in release; sets TARGET_ABS (the target directory, absolute)
# and CURRENT (the binary).
build_current() {
    export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-target}
    TARGET_ABS=$(realpath -m "$CARGO_TARGET_DIR")
    cargo build --release -p ace >&2
    CURRENT=$TARGET_ABS/release/ace
}

# build_baseline BASELINE WORKDIR: sets BASELINE_BIN and BASELINE_LABEL. BASELINE is an ace
# binary built before (label "baseline") or a revision, built from a temporary worktree at
# WORKDIR/baseline-src into its own target directory so the current build is untouched
# (label: the short hash). Call remove_baseline_worktree WORKDIR when done.
build_baseline() {
    local baseline=$1 work=$2
    if [ -x "$baseline" ] && [ -f "$baseline" ]; then
        BASELINE_BIN=$(realpath "$baseline")
        BASELINE_LABEL=baseline
        return 0
    fi
    git worktree add --detach "$work/baseline-src" "$baseline" >/dev/null
    (cd "$work/baseline-src" && CARGO_TARGET_DIR=$TARGET_ABS/bench-baseline cargo build --release -p ace >&2)
    BASELINE_BIN=$TARGET_ABS/bench-baseline/release/ace
    BASELINE_LABEL=$(git rev-parse --short "$baseline")
}

# list_builds WORKDIR: sets BUILDS to the "label=binary" of the current build and, when
# BASELINE is set, of the baseline's (build_baseline).
list_builds() {
    BUILDS=("current=$CURRENT")
    if [ -n "${BASELINE:-}" ]; then
        build_baseline "$BASELINE" "$1"
        BUILDS+=("$BASELINE_LABEL=$BASELINE_BIN")
    fi
}

# wait_healthy PORT LOG [TENTHS]: waits (TENTHS tenths of a second, 100 by default) for the
# server on PORT to answer /healthz; otherwise says so with its LOG and fails.
wait_healthy() {
    local port=$1 log=$2 tries=${3:-100}
    for _ in $(seq "$tries"); do
        curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    echo "ace serve on port $port did not start; its log:" >&2
    cat "$log" >&2
    return 1
}

# stat_ticks STAT: utime + stime in clock ticks from a /proc stat file (a process's or a
# thread's: /proc/PID/stat, /proc/PID/task/TID/stat).
stat_ticks() {
    awk '{print $14 + $15}' "$1"
}

# need_count NAME VALUE: fails naming NAME unless VALUE is a whole number above zero.
need_count() {
    case $2 in
        '' | *[!0-9]* | 0) echo "$1 must be a whole number above zero, not '$2'" >&2; return 2 ;;
    esac
}

# remove_baseline_worktree WORKDIR: removes the worktree build_baseline made, if any.
remove_baseline_worktree() {
    if [ -d "$1/baseline-src" ]; then git worktree remove --force "$1/baseline-src" >/dev/null 2>&1 || true; fi
}

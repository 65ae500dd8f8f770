#!/usr/bin/env bash
# Whole-process `ace check` with a named party (issue 14, item 1): the median wall time
# and CPU time (user + system) of N fresh processes and their peak RSS, beside the goal and
# the figure before the screening index was kept beside the snapshot. Also: the first run
# in a new data directory (it builds the bundled snapshot's index), a check without a
# name, and a listed party (its entries are decoded from the index).
# Usage: bench/check/run.sh [N]            (N = 21 by default)
#   ACE_BIN=path      time this binary instead of building target/release/ace
#   OLD_ACE_BIN=path  also time an older binary the same way, in the same run
set -euo pipefail
cd "$(dirname "$0")/../.."
n=${1:-21}
if [ -z "${ACE_BIN:-}" ]; then
  cargo build --release -q -p ace
  ACE_BIN=${CARGO_TARGET_DIR:-target}/release/ace
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The figures before (commit b25fdb27, this machine, issue 14) and the goals.
BEFORE="0.65 s, 117 MB"
GOAL_MS=20
GOAL_RSS_MB=50

# series LABEL RUNS DATA ARGS...: RUNS processes of `ace --data-dir DATA ARGS...`, one
# after the other; prints the median wall and CPU time and the largest peak RSS. Times
# and peak RSS come from wait4(2) (ru_maxrss is the figure `/usr/bin/time -f %M` prints),
# with microsecond resolution; `ace check` exits 0-5 by outcome, anything else fails.
series() {
  local label=$1 runs=$2 bin=$3 data=$4
  shift 4
  python3 - "$label" "$runs" "$bin" "$data" "$@" <<'PY'
import os, subprocess, sys, time
label, runs, binary, data, args = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5:]
walls, cpus, rss = [], [], []
for _ in range(runs):
    t = time.perf_counter()
    p = subprocess.Popen([binary, "--data-dir", data] + args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    err = p.stderr.read()
    _, status, ru = os.wait4(p.pid, 0)
    walls.append((time.perf_counter() - t) * 1000)
    code = os.waitstatus_to_exitcode(status)
    if not 0 <= code <= 5:
        sys.exit(f"{label}: exit {code}: {err.decode(errors='replace')}")
    cpus.append((ru.ru_utime + ru.ru_stime) * 1000)
    rss.append(ru.ru_maxrss / 1024)
med = lambda v: sorted(v)[len(v) // 2]
print(f"{label:44s} wall median {med(walls):7.1f} ms (min {min(walls):.1f}, max {max(walls):.1f}) | "
      f"CPU median {med(cpus):6.1f} ms | peak RSS {max(rss):4.0f} MB | {runs} run(s)")
with open(os.environ["RESULT"], "w") as f:
    f.write(f"{med(walls):.1f} {med(cpus):.1f} {max(rss):.0f}\n")
PY
}

verdict() { awk -v v="$1" -v g="$2" 'BEGIN { print (v < g ? "met" : "NOT MET") }'; }
export RESULT=$tmp/result
check=(check --eccn 4D004 --to DE --end-user non_government)

echo "== ace check, $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ), load $(cut -d' ' -f1-3 /proc/loadavg)"
series "first run in a new data directory" 1 "$ACE_BIN" "$tmp/data" "${check[@]}" --end-user-name "Acme GmbH"
echo "   (builds the bundled snapshot's index and keeps it in the data directory)"
series "check, no party name" "$n" "$ACE_BIN" "$tmp/data" "${check[@]}"
series "check with a named party" "$n" "$ACE_BIN" "$tmp/data" "${check[@]}" --end-user-name "Acme GmbH"
read -r wall cpu rss <"$RESULT"
echo "   goal < $GOAL_MS ms (wall): $(verdict "$wall" "$GOAL_MS"); goal < $GOAL_RSS_MB MB: $(verdict "$rss" "$GOAL_RSS_MB"); before: $BEFORE"
series "check with a listed party (Huawei, to CN)" "$n" "$ACE_BIN" "$tmp/data" \
  check --eccn 4D004 --to CN --end-user non_government --end-user-name "Huawei Technologies Co., Ltd."
# The same peak RSS as /usr/bin/time reports it, once.
/usr/bin/time -o "$tmp/time" -f "   /usr/bin/time, check with a named party: %e s, peak RSS %M KB" \
  "$ACE_BIN" --data-dir "$tmp/data" "${check[@]}" --end-user-name "Acme GmbH" >/dev/null || true
cat "$tmp/time"
if [ -n "${OLD_ACE_BIN:-}" ]; then
  series "older binary, check with a named party" "$n" "$OLD_ACE_BIN" "$tmp/old" "${check[@]}" --end-user-name "Acme GmbH"
fi

#!/usr/bin/env bash
# ace batch at scale (issue 14, item 2): N generated transactions (one named party each)
# screened and decided, then the same N with --record on SQLite, then N/4 to show that
# peak memory does not grow with the input. Each figure is printed beside its goal and
# the previous run's figure (bench/batch/previous.tsv; --save replaces it with this run's).
# Usage: bench/batch/run.sh [N] [--save]
set -euo pipefail
cd "$(dirname "$0")/../.."
n=1000000
save=0
for arg in "$@"; do
  case $arg in
    --save) save=1 ;;
    *) n=$arg ;;
  esac
done
previous=bench/batch/previous.tsv
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cargo build --release -q -p ace
ace=${CARGO_TARGET_DIR:-target}/release/ace
python3 bench/batch/generate.py "$n" "$tmp/tx.csv"
python3 bench/batch/generate.py "$((n / 4))" "$tmp/quarter.csv"

# prev KEY: the previous run's figure for KEY, or "-".
prev() { awk -F'\t' -v k="$1" '$1 == k { print $2; found = 1 } END { if (!found) print "-" }' "$previous" 2>/dev/null || echo -; }

results=()
# measure KEY ROWS GOAL_S -- COMMAND...: runs COMMAND under /usr/bin/time, prints wall
# time, rows/s, CPU time (user + system: what a loaded machine cannot hide) and peak RSS
# beside the goal and the previous run's figures.
measure() {
  local key=$1 rows=$2 goal=$3
  shift 4
  /usr/bin/time -f "%e %M %U %S" -o "$tmp/time" "$@" >/dev/null 2>"$tmp/stderr" || {
    cat "$tmp/stderr" >&2
    exit 1
  }
  read -r wall rss_kb user sys <"$tmp/time"
  local cpu
  cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.1f", u + s }')
  local rss_mb=$((rss_kb / 1024))
  local rate
  rate=$(awk -v n="$rows" -v s="$wall" 'BEGIN { printf "%.0f", n / s }')
  local verdict="met" rss_verdict="met" goal_text="< $goal s"
  awk -v w="$wall" -v g="$goal" 'BEGIN { exit !(g != "-" && w >= g) }' && verdict="NOT MET"
  [ "$goal" != - ] || { goal_text="none"; verdict="-"; }
  [ "$rss_mb" -lt 500 ] || rss_verdict="NOT MET"
  printf '%-28s wall %7.2f s (goal %s: %s; previous %s s) | %7s rows/s (previous %s) | CPU %6s s (previous %s) | peak RSS %4d MB (goal < 500 MB: %s; previous %s MB)\n' \
    "$key" "$wall" "$goal_text" "$verdict" "$(prev "$key.wall")" "$rate" "$(prev "$key.rate")" "$cpu" "$(prev "$key.cpu")" "$rss_mb" "$rss_verdict" "$(prev "$key.rss_mb")"
  results+=("$key.wall	$wall" "$key.rate	$rate" "$key.cpu	$cpu" "$key.rss_mb	$rss_mb")
}

echo "== ace batch, $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ), load $(cut -d' ' -f1-3 /proc/loadavg)"
measure "batch_${n}" "$n" 15 -- "$ace" --data-dir "$tmp/data" batch "$tmp/tx.csv" --out "$tmp/out.csv"
tail -4 "$tmp/stderr" | sed 's/^/    /'
measure "batch_$((n / 4))" "$((n / 4))" - -- "$ace" --data-dir "$tmp/data" batch "$tmp/quarter.csv" --out "$tmp/quarter-out.csv"
measure "batch_record_${n}" "$n" 45 -- "$ace" --data-dir "$tmp/data" batch "$tmp/tx.csv" --record --out "$tmp/rec-out.csv"
tail -3 "$tmp/stderr" | sed 's/^/    /'
echo "   records database: $(du -sh "$tmp/data" | cut -f1)"
measure "batch_record_again_${n}" "$n" - -- "$ace" --data-dir "$tmp/data" batch "$tmp/tx.csv" --record --out "$tmp/rec-out2.csv"
echo "   (the same file again: idempotent, nothing new is recorded)"

if [ "$save" = 1 ]; then
  printf '%s\n' "${results[@]}" >"$previous"
  echo "saved to $previous"
fi

#!/usr/bin/env bash
# Compact records (issue 14, item 3): N determinations recorded by `ace batch --record` on
# SQLite (bench/batch/generate.py's transactions: one named party each), then the bytes each
# record takes on disk and the time `ace records verify` takes to read and check them all.
# Each figure is printed beside its goal and the previous run's figure
# (bench/records/previous.tsv; --save replaces it with this run's).
# Usage: bench/records/run.sh [N] [--save]       (N = 1,000,000 by default)
# Needs: python3, the sqlite3 shell (with dbstat), /usr/bin/time; about 1 GB of disk per 1 M records.
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
previous=bench/records/previous.tsv
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cargo build --release -q -p ace
ace=${CARGO_TARGET_DIR:-target}/release/ace
python3 bench/batch/generate.py "$n" "$tmp/tx.csv"

# prev KEY: the previous run's figure for KEY, or "-".
prev() { awk -F'\t' -v k="$1" '$1 == k { print $2; found = 1 } END { if (!found) print "-" }' "$previous" 2>/dev/null || echo -; }
# timed KEY -- COMMAND...: runs COMMAND under /usr/bin/time; sets wall and cpu (user + system).
timed() {
  shift 2
  /usr/bin/time -f "%e %U %S" -o "$tmp/time" "$@" >"$tmp/stdout" 2>"$tmp/stderr" || {
    cat "$tmp/stdout" "$tmp/stderr" >&2
    exit 1
  }
  read -r wall user sys <"$tmp/time"
  cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.1f", u + s }')
}
verdict() { awk -v v="$1" -v g="$2" 'BEGIN { print (v <= g ? "met" : "NOT MET") }'; }

echo "== records, $n determinations, $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ), load $(cut -d' ' -f1-3 /proc/loadavg)"
timed record -- "$ace" --data-dir "$tmp/data" batch "$tmp/tx.csv" --record --out "$tmp/out.csv"
record_wall=$wall record_cpu=$cpu
printf '%-34s wall %7.2f s, CPU %6s s (previous %s s, CPU %s s)\n' "ace batch --record" \
  "$record_wall" "$record_cpu" "$(prev record.wall)" "$(prev record.cpu)"

db=$tmp/data/records.sqlite3
# Every committed page in the file (the WAL folded in first), the dictionary included.
sqlite3 "$db" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
bytes=$(stat -c %s "$db")
per_record=$((bytes / n))
printf '%-34s %7d B  (goal <= 1024 B: %s; previous %s B)   database %s MB\n' "bytes on disk per record" \
  "$per_record" "$(verdict "$per_record" 1024)" "$(prev bytes_per_record)" "$((bytes / 1000000))"
compact=$(sqlite3 "$db" "SELECT COUNT(*) FROM records WHERE dictionary IS NOT NULL")
echo "   $compact of $n records stored compact; what one takes (dbstat, bytes per record):"
sqlite3 "$db" "SELECT '     ' || name || ': ' || (SUM(pgsize) / $n) FROM dbstat
                WHERE name IN ('records', 'records_created_at', 'records_kind_transaction', 'determinations', 'determinations_line')
                GROUP BY name ORDER BY SUM(pgsize) DESC" 2>/dev/null || true

# The file's pages are in the page cache after the batch; verify reads them as it would on
# a machine whose memory holds the database. Run twice: the faster counts (a shared machine
# slows one run or the other); CPU time (user + system) is what load cannot hide, and CPU/cores
# is the wall time an idle machine would give (verify checks pages on every core).
best=
for run in 1 2; do
  echo "   load before verify run $run: $(cut -d' ' -f1-3 /proc/loadavg)"
  timed verify -- "$ace" --data-dir "$tmp/data" records verify
  grep -q "^ok" "$tmp/stdout" || { cat "$tmp/stdout" >&2; exit 1; }
  if [ -z "$best" ] || awk -v w="$wall" -v b="$best" 'BEGIN { exit !(w < b) }'; then
    best=$wall best_cpu=$cpu
  fi
done
wall=$best cpu=$best_cpu
idle=$(awk -v c="$cpu" -v n="$(nproc)" 'BEGIN { printf "%.1f", c / n }')
printf '%-34s wall %7.2f s (goal < 10 s: %s; previous %s s) | CPU %s s = %s s on %s idle cores (previous %s s)\n' "ace records verify" \
  "$wall" "$(awk -v w="$wall" 'BEGIN { print (w < 10 ? "met" : "NOT MET") }')" "$(prev verify.wall)" "$cpu" "$idle" "$(nproc)" "$(prev verify.cpu)"
sed 's/^/    /' "$tmp/stdout"

if [ "$save" = 1 ]; then
  printf '%s\t%s\n' record.wall "$record_wall" record.cpu "$record_cpu" \
    bytes_per_record "$per_record" verify.wall "$wall" verify.cpu "$cpu" >"$previous"
  echo "saved to $previous"
fi

#!/usr/bin/env bash
# ace batch at scale: 1,000,000 generated transactions (one named party each) screened
# and decided without --record, then the --record rate on SQLite. Prints the numbers.
# Usage: bench/batch/run.sh [N] [N_RECORD]
set -euo pipefail
cd "$(dirname "$0")/../.."
n=${1:-1000000}
n_record=${2:-200000}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cargo build --release -q -p ace
ace=${CARGO_TARGET_DIR:-target}/release/ace
python3 bench/batch/generate.py "$n" "$tmp/tx.csv"
echo "== $n transactions, screened and decided, no --record ($(nproc) cores)"
/usr/bin/time -f "wall %e s, max RSS %M KB" "$ace" --data-dir "$tmp/data" batch "$tmp/tx.csv" --out "$tmp/out.csv" 2>&1 | grep -vE '^    line' | tail -5
head -c 0 "$tmp/out.csv"
python3 bench/batch/generate.py "$n_record" "$tmp/rec.csv"
echo "== $n_record transactions with --record (SQLite, durable, group commit per 5,000 rows)"
/usr/bin/time -f "wall %e s, max RSS %M KB" "$ace" --data-dir "$tmp/data" batch "$tmp/rec.csv" --record --out "$tmp/rec-out.csv" 2>&1 | tail -4
echo "== the same file again (idempotent: nothing new is recorded)"
/usr/bin/time -f "wall %e s" "$ace" --data-dir "$tmp/data" batch "$tmp/rec.csv" --record --out "$tmp/rec-out2.csv" 2>&1 | tail -2

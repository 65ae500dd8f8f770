#!/usr/bin/env bash
# Runs the screening quality evaluation, the Rust throughput benchmark and the
# brute-force rapidfuzz baseline over the same queries, and prints the ratio.
# Needs `pip install rapidfuzz`. Usage: bench/screening/run.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/../.."
secs="${1:-5}"
target="${CARGO_TARGET_DIR:-target}"
devset=bench/screening/devset.jsonl
names="$(mktemp)"
trap 'rm -f "$names"' EXIT

cargo build --release -q -p screen --example eval --example throughput
echo "## quality (eval)"
"$target/release/examples/eval" "$devset"
echo
echo "## throughput (Rust, indexed)"
rust_out="$("$target/release/examples/throughput" "$devset" "$secs" "$names")"
echo "$rust_out"
echo
echo "## baseline (Python rapidfuzz, brute force)"
py_out="$(python3 bench/screening/baseline.py "$names" "$devset" "$((secs * 4))")"
echo "$py_out"
rust_qps="$(sed -n 's/^RESULT qps=\([0-9.]*\).*/\1/p' <<<"$rust_out")"
py_qps="$(sed -n 's/^RESULT qps=\([0-9.]*\).*/\1/p' <<<"$py_out")"
echo
python3 -c "print(f'speed-up: {float($rust_qps) / float($py_qps):.0f}x ($rust_qps vs $py_qps queries/s, single thread)')"

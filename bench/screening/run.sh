#!/usr/bin/env bash
# Runs the screening quality evaluation, the Rust throughput benchmark (the
# `screen` crate through its example binary), the real product path (`ace
# screen --batch` over lists imported with `ace lists import`) and the
# brute-force rapidfuzz baseline over the same queries, and prints the ratios.
# Installs rapidfuzz with pip when missing. Usage: bench/screening/run.sh [SECONDS]
# ACE_BIN=path uses an already built `ace` instead of building it; NO_BUILD=1
# uses the example binaries already in the target directory.
set -euo pipefail
cd "$(dirname "$0")/../.."
secs="${1:-5}"
target="${CARGO_TARGET_DIR:-target}"
devset=bench/screening/devset.jsonl
names="$(mktemp)"
queries="$(mktemp)"
one="$(mktemp)"
data="$(mktemp -d)"
trap 'rm -rf "$names" "$queries" "$one" "$data"' EXIT

if [ -z "${NO_BUILD:-}" ]; then
    cargo build --release -q -p screen --example eval --example throughput
fi
ace="${ACE_BIN:-}"
if [ -z "$ace" ]; then
    cargo build --release -q -p ace
    ace="$target/release/ace"
fi
echo "## quality (eval)"
"$target/release/examples/eval" "$devset"
echo
echo "## throughput (Rust screen crate, example binary, indexed)"
rust_out="$("$target/release/examples/throughput" "$devset" "$secs" "$names")"
echo "$rust_out"
echo
echo "## product path (ace lists import + ace screen --batch)"
# One query per line (the dev-set queries; a line break inside a query becomes a space).
python3 -c '
import json, sys
with open(sys.argv[1], encoding="utf-8") as f, open(sys.argv[2], "w", encoding="utf-8") as out:
    for line in f:
        if line.strip():
            out.write(" ".join(json.loads(line)["query"].split()) + "\n")
' "$devset" "$queries"
head -n 1 "$queries" >"$one"
n_queries="$(wc -l <"$queries")"
"$ace" --data-dir "$data" lists import \
    data/lists/csl/consolidated_2026-07-31.json data/lists/ofac_sdn/sdn.csv \
    data/lists/bis_dpl/dpl.txt data/lists/un/UN_consolidated.xml >/dev/null
# Best of three wall-clock runs each, in seconds; the 1-query run is the fixed
# cost (start-up, snapshot load, index build).
best_of_3() {
    python3 -c '
import subprocess, sys, time
best = float("inf")
for _ in range(3):
    t = time.perf_counter()
    subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, check=True)
    best = min(best, time.perf_counter() - t)
print(f"{best:.4f}")
' "$@"
}
t_all="$(best_of_3 "$ace" --data-dir "$data" screen --batch "$queries" --threads 1)"
t_one="$(best_of_3 "$ace" --data-dir "$data" screen --batch "$one" --threads 1)"
t_all2="$(best_of_3 "$ace" --data-dir "$data" screen --batch "$queries" --threads 2)"
ace_out="$(python3 -c '
import sys
n, t_all, t_one, t_all2 = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
incl = n / t_all
excl = (n - 1) / max(t_all - t_one, 1e-9)
print(f"queries: {n}, wall time {t_all*1e3:.0f} ms for all, {t_one*1e3:.0f} ms for one (start-up, snapshot load, index build)")
print(f"throughput incl. index build: {incl:.0f} queries/s; excl. (all minus one-query run): {excl:.0f} queries/s")
excl2 = (n - 1) / max(t_all2 - t_one, 1e-9)
print(f"2 threads: wall time {t_all2*1e3:.0f} ms for all; excl. the one-query run: {excl2:.0f} queries/s ({excl2 / excl:.2f}x one thread)")
print(f"RESULT qps_incl={incl:.0f} qps_excl={excl:.0f} fixed_ms={t_one*1e3:.0f} qps_excl2={excl2:.0f}")
' "$n_queries" "$t_all" "$t_one" "$t_all2")"
echo "$ace_out"
echo
echo "## baseline (Python rapidfuzz, brute force)"
# The baseline needs rapidfuzz (PyPI); install it for this user when it is missing.
if ! python3 -c 'import rapidfuzz' 2>/dev/null; then
    python3 -m pip install --quiet --user rapidfuzz >&2 || python3 -m pip install --quiet rapidfuzz >&2
fi
py_out="$(python3 bench/screening/baseline.py "$names" "$devset" "$((secs * 4))")"
echo "$py_out"
rust_qps="$(sed -n 's/^RESULT qps=\([0-9.]*\).*/\1/p' <<<"$rust_out")"
ace_incl="$(sed -n 's/^RESULT qps_incl=\([0-9.]*\).*/\1/p' <<<"$ace_out")"
ace_excl="$(sed -n 's/^RESULT .*qps_excl=\([0-9.]*\) .*/\1/p' <<<"$ace_out")"
ace_excl2="$(sed -n 's/^RESULT .*qps_excl2=\([0-9.]*\).*/\1/p' <<<"$ace_out")"
py_qps="$(sed -n 's/^RESULT qps=\([0-9.]*\).*/\1/p' <<<"$py_out")"
echo
python3 -c "
r, ai, ae, ae2, p = float($rust_qps), float($ace_incl), float($ace_excl), float($ace_excl2), float($py_qps)
print('| | queries/s (single thread) | vs rapidfuzz |')
print('| --- | ---: | ---: |')
print(f'| screen crate, example binary (index built) | {r:.0f} | {r / p:.0f}x |')
print(f'| ace screen --batch --threads 1, excl. start-up and index build | {ae:.0f} | {ae / p:.0f}x |')
print(f'| ace screen --batch --threads 2, excl. start-up and index build | {ae2:.0f} | {ae2 / p:.0f}x |')
print(f'| ace screen --batch, incl. start-up and index build | {ai:.0f} | {ai / p:.0f}x |')
print(f'| rapidfuzz WRatio brute force | {p:.1f} | 1x |')
print(f'speed-up: {r / p:.0f}x ($rust_qps vs $py_qps queries/s, single thread); ace excl./example: {ae / r:.2f}')
"

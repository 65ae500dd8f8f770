#!/usr/bin/env bash
# Long fuzz runs with libFuzzer (cargo-fuzz, nightly): every target for SECONDS each
# (default 600), growing the kept corpus in fuzz/corpus/<target>/ and writing a summary
# line per target to fuzz/results.txt. Crashes land in fuzz/artifacts/<target>/.
# Usage: fuzz/run.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")"
secs=${1:-600}; shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(transaction_json transaction_csv list_csl_csv list_csl_json list_ofac_csv list_dpl list_un_xml rules_toml eccn names)
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
for t in "${targets[@]}"; do
  log=$(mktemp)
  start=$(date -u +%FT%TZ)
  if cargo +nightly fuzz run "$t" "corpus/$t" -- -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 >"$log" 2>&1; then
    status=ok
  else
    status="FAILED (see artifacts/$t)"
  fi
  stats=$(grep -E '^#[0-9]+' "$log" | tail -1 | sed 's/  */ /g')
  echo "$start $t ${secs}s: $status — $stats" | tee -a results.txt
  rm -f "$log"
done

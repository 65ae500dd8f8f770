#!/usr/bin/env bash
# The whole test suite, as CI runs it (.ci/run calls exactly this script).
# Needs only the Rust toolchain; crates come from crates.io. The list data the tests use
# is bundled in data/lists/, so ../shared is not required.
set -euo pipefail
cd "$(dirname "$0")/.."

export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}
export PROPTEST_CASES=${PROPTEST_CASES:-256}

echo "== format"
cargo fmt --all -- --check

echo "== lint"
cargo clippy --workspace --all-targets --locked -- -D warnings

echo "== tests"
export ACE_TEST_POSTGRES_URL="${ACE_TEST_POSTGRES_URL:-$(scripts/ensure-postgres.sh)}"
cargo test --workspace --locked
./scripts/validate-openapi.sh
./scripts/e2e.sh

#!/usr/bin/env bash
# Validates the API's OpenAPI document with a real OpenAPI 3.1 validator
# (openapi-spec-validator, from PyPI, pinned), as the integrators' tools read it.
# Installs the validator into target/openapi-venv on first use; needs python3 with venv.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=target/openapi-venv
if [ ! -x "$venv/bin/openapi-spec-validator" ]; then
    python3 -m venv "$venv"
    "$venv/bin/python" -m pip install -q openapi-spec-validator==0.9.0
fi
doc=target/openapi.json
cargo run -q --locked -p ace -- openapi > "$doc"
"$venv/bin/openapi-spec-validator" "$doc"

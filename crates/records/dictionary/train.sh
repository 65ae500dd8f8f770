#!/usr/bin/env bash
# Trains the zstd dictionary that compact records are compressed with (records-1.zdict;
# docs/records-format.md). The samples are real records: N generated transactions recorded by
# `ace batch --record` (the batch form of a determination) and M posted to `ace serve` (the
# server's form, with its screening), every input and output as its canonical JSON text.
# Training is done once; the dictionary is committed and stored in each database it is used
# in. A new dictionary is a new file and a new id: rows keep the one they were written with.
# Usage: crates/records/dictionary/train.sh [N] [M]     (needs python3, curl, zstd)
set -euo pipefail
cd "$(dirname "$0")/../../.."
n=${1:-20000}
m=${2:-3000}
out=crates/records/dictionary/records-1.zdict
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-target}
ace=${ACE:-$CARGO_TARGET_DIR/release/ace}
[ -n "${ACE:-}" ] || cargo build --release -q -p ace
work=$(mktemp -d)
pid=
cleanup() {
  [ -z "$pid" ] || { kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; }
  rm -rf "$work"
}
trap cleanup EXIT

python3 bench/batch/generate.py "$n" "$work/tx.csv"
"$ace" --data-dir "$work/data" batch "$work/tx.csv" --record --out "$work/out.csv" 2>/dev/null

# The server's records: the same kind of transactions posted one by one (loopback only).
port=$((20000 + RANDOM % 20000))
token=$("$ace" --data-dir "$work/data" tokens create --name train --role analyst)
"$ace" --data-dir "$work/data" serve --listen "127.0.0.1:$port" --checkpoint-every off 2>"$work/serve.log" &
pid=$!
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
python3 - "$work/tx.csv" "$m" "$port" "$token" <<'PY'
import csv, json, sys, urllib.request
path, m, port, token = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
rows = list(csv.DictReader(open(path)))
for i, r in enumerate(rows[-m:]):
    doc = {"id": f"s{i}", "date": r["date"], "item": {"eccn": r["eccn"]},
           "destination": r["destination"], "deemed_export": r["deemed_export"] == "true",
           "end_user": {"name": r["end_user_name"], "kind": r["end_user_kind"]}}
    if i % 3 == 0:
        doc["consignee"] = {"name": rows[i]["end_user_name"]}
    req = urllib.request.Request(f"http://127.0.0.1:{port}/v1/determinations",
        data=json.dumps(doc).encode(), method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"})
    try:
        urllib.request.urlopen(req).read()
    except urllib.error.HTTPError as e:
        e.read()  # a refused transaction is still a sample of nothing: go on
PY
kill -TERM "$pid"; wait "$pid" || true; pid=

"$ace" --data-dir "$work/data" records export --format jsonl >"$work/all.jsonl"
mkdir "$work/samples"
python3 - "$work/all.jsonl" "$work/samples" <<'PY'
import json, sys
canonical = lambda v: json.dumps(v, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
for i, line in enumerate(open(sys.argv[1])):
    r = json.loads(line)
    for part in ("input", "output"):
        open(f"{sys.argv[2]}/{i}.{part}", "w").write(canonical(r[part]))
PY
zstd -q -f --train -r "$work/samples" --maxdict=65536 -o "$out"
echo "$out: $(wc -c <"$out") bytes, sha256 $(sha256sum "$out" | cut -d' ' -f1)"

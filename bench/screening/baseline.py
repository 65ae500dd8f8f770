#!/usr/bin/env python3
"""Brute-force baseline: rapidfuzz `process.extract` over every indexed name
and alias (no index, no normalization beyond rapidfuzz's default processor),
for the same development-set queries as the Rust throughput benchmark.

usage: baseline.py NAMES_TSV DEVSET_JSONL [SECONDS] [CUTOFF]

NAMES_TSV is written by `cargo run --release -p screen --example throughput --
DEVSET SECONDS NAMES_TSV` (`LIST:id<TAB>name` lines). Prints queries/second
(single thread) and, on the queries it had time for, recall on listed queries
and the false-positive rate on not-listed ones at the cutoff (WRatio, 0-100).
"""
import json
import sys
import time

from rapidfuzz import fuzz, process, utils


def main() -> None:
    names_path, devset_path = sys.argv[1], sys.argv[2]
    seconds = float(sys.argv[3]) if len(sys.argv) > 3 else 20.0
    cutoff = float(sys.argv[4]) if len(sys.argv) > 4 else 85.0
    keys, names = [], []
    with open(names_path, encoding="utf-8") as f:
        for line in f:
            key, _, name = line.rstrip("\n").partition("\t")
            keys.append(key)
            names.append(name)
    with open(devset_path, encoding="utf-8") as f:
        cases = [json.loads(line) for line in f if line.strip()]
    # Interleave kinds so a time-limited run still samples every kind.
    cases.sort(key=lambda c: (hash_order(c["query"]),))
    start = time.perf_counter()
    done = found = listed = fp = unlisted = 0
    for case in cases:
        hits = process.extract(
            case["query"], names, scorer=fuzz.WRatio, processor=utils.default_process,
            limit=10, score_cutoff=cutoff,
        )
        done += 1
        matched = {keys[i] for _, _, i in hits}
        if case["label"] == "listed":
            listed += 1
            found += case["expected"] in matched
        else:
            unlisted += 1
            fp += bool(matched)
        if time.perf_counter() - start > seconds:
            break
    elapsed = time.perf_counter() - start
    qps = done / elapsed
    print(f"rapidfuzz baseline: {len(names)} names, {done} queries in {elapsed:.1f} s")
    print(f"rapidfuzz throughput: {qps:.1f} queries/s (single thread)")
    if listed:
        print(f"rapidfuzz recall at WRatio>={cutoff:.0f} (same entry id): {found / listed:.3f} of {listed}")
    if unlisted:
        print(f"rapidfuzz false-positive rate at WRatio>={cutoff:.0f}: {fp / unlisted:.3f} of {unlisted}")
    print(f"RESULT qps={qps:.1f}")


def hash_order(s: str) -> int:
    """A deterministic shuffle key (Python's hash() is salted per run)."""
    h = 2166136261
    for b in s.encode("utf-8"):
        h = ((h ^ b) * 16777619) & 0xFFFFFFFF
    return h


if __name__ == "__main__":
    main()

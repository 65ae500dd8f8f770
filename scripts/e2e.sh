#!/usr/bin/env bash
# End-to-end test of the web UI in a real browser: builds `ace`, makes sure Debian's
# `chromium` and the pinned playwright-core and axe-core (e2e/package-lock.json) are
# installed, checks that a bad settings file stops `ace serve` at start with the field
# named, starts `ace serve --settings examples/server-settings.toml` on a free port over a
# temporary data directory with a reviewer token, runs e2e/run.mjs against it, and always
# stops the server. Screenshots: e2e/screenshots/.
# Honours CARGO_TARGET_DIR (e.g. CARGO_TARGET_DIR=target/e2e scripts/e2e.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}
echo "== e2e (web UI in headless Chromium)"

# Runs a command as root: directly, or through sudo when there is one.
as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
        echo "e2e: need root to install $*" >&2; return 1
    fi
}

if [ ! -x /usr/bin/chromium ]; then
    echo "e2e: installing Debian's chromium"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    echo "e2e: installing node and npm"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
fi

# The binary is built where cargo puts it: $CARGO_TARGET_DIR when set (a relative one is
# taken from the workspace root, as cargo does), else the workspace's target directory.
cargo build -p ace --locked --quiet
if [ -n "${CARGO_TARGET_DIR:-}" ]; then
    case "$CARGO_TARGET_DIR" in
        /*) target_dir=$CARGO_TARGET_DIR ;;
        *) target_dir="$root/$CARGO_TARGET_DIR" ;;
    esac
else
    target_dir=$(cargo metadata --format-version 1 --no-deps | node -e \
        'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).target_directory))')
fi
ace="$target_dir/debug/ace"
[ -x "$ace" ] || { echo "e2e: no ace binary at $ace" >&2; exit 1; }

(cd e2e && npm ci --no-audit --no-fund --loglevel=error)

data=$(mktemp -d)
log="$data/serve.log"
server=""
cleanup() {
    if [ -n "$server" ]; then
        kill "$server" 2>/dev/null || true
        wait "$server" 2>/dev/null || true
    fi
    rm -rf "$data"
}
trap cleanup EXIT

token=$("$ace" --data-dir "$data" tokens create --name e2e --role reviewer)

# A settings file with a value of the wrong kind: refused before listening, field named.
printf '[memo]\naddress = "Berlin"\n' >"$data/bad-settings.toml"
if "$ace" --data-dir "$data" serve --listen 127.0.0.1:0 --settings "$data/bad-settings.toml" 2>"$data/bad.log"; then
    echo "e2e: ace serve started with a bad settings file" >&2; exit 1
fi
grep -q "memo.address" "$data/bad.log" || { echo "e2e: the settings error does not name memo.address:" >&2; cat "$data/bad.log" >&2; exit 1; }
echo "ok - a bad settings file stops ace serve at start: $(cat "$data/bad.log")"

"$ace" --data-dir "$data" serve --listen 127.0.0.1:0 --settings "$root/examples/server-settings.toml" 2>"$log" &
server=$!

# The server prints "listening on http://ADDR" once bound (port 0: the OS picks a free one).
# A debug build loads the bundled lists and builds the screening index first: ~25 s on a
# busy two-core machine, so wait up to ACE_E2E_START_SECONDS (default 180).
url=""
for _ in $(seq 1 $(( ${ACE_E2E_START_SECONDS:-180} * 10 ))); do
    url=$(sed -n 's/.*listening on \(http:\/\/[^ ]*\).*/\1/p' "$log" | head -n 1)
    [ -n "$url" ] && break
    if ! kill -0 "$server" 2>/dev/null; then
        echo "e2e: ace serve exited:" >&2; cat "$log" >&2; exit 1
    fi
    sleep 0.1
done
[ -n "$url" ] || { echo "e2e: ace serve did not start:" >&2; cat "$log" >&2; exit 1; }
for _ in $(seq 1 100); do
    if node -e 'fetch(process.argv[1]).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))' "$url/healthz"; then
        break
    fi
    sleep 0.1
done

ACE_URL="$url" ACE_TOKEN="$token" node "$root/e2e/run.mjs"

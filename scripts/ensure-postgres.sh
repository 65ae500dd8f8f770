#!/usr/bin/env bash
# Makes sure a PostgreSQL server answers on 127.0.0.1:5432 and has the database ace_test,
# then prints its URL on stdout (for ACE_TEST_POSTGRES_URL):
#   export ACE_TEST_POSTGRES_URL="$(scripts/ensure-postgres.sh)"
# Uses a running server, else starts the local cluster, else installs PostgreSQL (Debian).
# Idempotent; quiet unless something fails. Run as root (or as a user who may use sudo -u postgres).
set -euo pipefail

HOST=127.0.0.1
PORT=5432
DB=ace_test
URL="postgres://postgres@${HOST}:${PORT}/${DB}"
LOG="$(mktemp)"
trap 'rm -f "$LOG"' EXIT

fail() {
    echo "ensure-postgres: $*" >&2
    [ -s "$LOG" ] && cat "$LOG" >&2
    exit 1
}

answers() {
    command -v pg_isready >/dev/null 2>&1 && pg_isready -q -h "$HOST" -p "$PORT" >/dev/null 2>&1
}

as_postgres() {
    if [ "$(id -un)" = postgres ]; then "$@"; else runuser -u postgres -- "$@"; fi
}

cluster_version() {
    ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1
}

install_postgres() {
    export DEBIAN_FRONTEND=noninteractive
    apt-get update >>"$LOG" 2>&1 || fail "apt-get update failed"
    apt-get install -y postgresql >>"$LOG" 2>&1 || fail "apt-get install postgresql failed"
}

start_cluster() {
    local version
    version="$(cluster_version)"
    [ -n "$version" ] || fail "no PostgreSQL cluster under /etc/postgresql"
    pg_ctlcluster --skip-systemctl-redirect "$version" main start >>"$LOG" 2>&1 ||
        answers || fail "could not start cluster $version/main"
}

# Local connections over TCP must not ask for a password: the tests connect as postgres.
trust_local_tcp() {
    local version hba
    version="$(cluster_version)"
    hba="/etc/postgresql/${version}/main/pg_hba.conf"
    [ -w "$hba" ] || return 0
    if ! grep -Eq '^host[[:space:]]+all[[:space:]]+all[[:space:]]+127\.0\.0\.1/32[[:space:]]+trust' "$hba"; then
        sed -i '1i host all all 127.0.0.1/32 trust' "$hba"
        as_postgres psql -q -h /var/run/postgresql -c 'SELECT pg_reload_conf()' >>"$LOG" 2>&1 || true
    fi
}

wait_until_answering() {
    for _ in $(seq 1 60); do
        answers && return 0
        sleep 0.5
    done
    fail "PostgreSQL does not answer on ${HOST}:${PORT}"
}

create_database() {
    local exists
    exists="$(psql -h "$HOST" -p "$PORT" -U postgres -d postgres -tAc \
        "SELECT 1 FROM pg_database WHERE datname = '${DB}'" 2>>"$LOG")" ||
        fail "cannot connect to ${HOST}:${PORT} as postgres"
    if [ "$exists" != 1 ]; then
        psql -h "$HOST" -p "$PORT" -U postgres -d postgres -qc "CREATE DATABASE ${DB}" >>"$LOG" 2>&1 ||
            fail "cannot create database ${DB}"
    fi
}

if ! answers; then
    if [ -z "$(cluster_version)" ]; then
        install_postgres
    fi
    trust_local_tcp
    answers || start_cluster
    wait_until_answering
fi
create_database
echo "$URL"

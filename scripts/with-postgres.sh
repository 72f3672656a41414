#!/usr/bin/env bash
# Run COMMAND against a throwaway PostgreSQL cluster, then stop and delete it.
#
#   scripts/with-postgres.sh .venv/bin/pytest -m "not e2e"
#
# The cluster listens on 127.0.0.1 only, on a free port, with trust
# authentication (it lives for one command and holds test data only).
# COMMAND sees DATABASE_URL=postgres://postgres@127.0.0.1:PORT/postgres;
# Django's test runner creates its own test database there.
# The exit status is COMMAND's.
set -euo pipefail

if [ $# -eq 0 ]; then
    echo "usage: $0 COMMAND [ARG...]" >&2
    exit 2
fi

bindir=""
if command -v pg_config >/dev/null 2>&1 && [ -x "$(pg_config --bindir)/initdb" ]; then
    bindir="$(pg_config --bindir)"
else
    for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -rV); do
        if [ -x "$dir/initdb" ]; then
            bindir="$dir"
            break
        fi
    done
fi
if [ -z "$bindir" ]; then
    echo "PostgreSQL server programs (initdb, pg_ctl) not found: install the postgresql package." >&2
    exit 1
fi

# PostgreSQL refuses to run as root: as root, the cluster belongs to `postgres`.
if [ "$(id -u)" -eq 0 ]; then
    as_owner=(runuser -u postgres --)
    workdir="$(mktemp -d /tmp/pg-test.XXXXXX)"
    chown postgres: "$workdir"
else
    as_owner=()
    workdir="$(mktemp -d "${TMPDIR:-/tmp}/pg-test.XXXXXX")"
fi
data="$workdir/data"
started=""

# Run a server program from inside the cluster's directory, which its owner can enter.
pg() { (cd "$workdir" && "${as_owner[@]}" "$bindir/$1" "${@:2}"); }

cleanup() {
    if [ -n "$started" ]; then
        pg pg_ctl -D "$data" -m fast -w stop >/dev/null || true
    fi
    rm -rf "$workdir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"

pg initdb -D "$data" -U postgres --auth=trust --encoding=UTF8 --no-locale --no-sync >"$workdir/initdb.log" \
    || { cat "$workdir/initdb.log" >&2; exit 1; }
# Durability is pointless for a cluster deleted in a minute; skipping it saves time.
options="-c listen_addresses=127.0.0.1 -p $port -k $workdir -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
# random_page_cost as docs/deployment.md sets it for production (SSD storage).
options="$options -c random_page_cost=1.1"
if ! pg pg_ctl -D "$data" -l "$workdir/server.log" -o "$options" -w -t 60 start >/dev/null; then
    cat "$workdir/server.log" >&2
    exit 1
fi
started=1
echo "PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on 127.0.0.1:$port (throwaway)"

export DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres"
status=0
"$@" || status=$?
exit "$status"

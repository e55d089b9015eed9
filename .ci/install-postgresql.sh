#!/bin/sh
# Install the PostgreSQL server binaries (Debian package postgresql) for the test that runs
# the schedule against a Prefect server on PostgreSQL, unless initdb and pg_ctl are
# already there (on PATH or in /usr/lib/postgresql/*/bin). The test starts its own
# throwaway cluster; the cluster that Debian's package may create is not used. Quiet;
# exits non-zero with a message on stderr when PostgreSQL cannot be installed.
set -eu

have_pg() {
    if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
        return 0
    fi
    for dir in /usr/lib/postgresql/*/bin; do
        if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then
            return 0
        fi
    done
    return 1
}

if have_pg; then
    exit 0
fi

if [ "$(id -u)" = "0" ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO="sudo -n"
else
    echo "install-postgresql: PostgreSQL missing and not root (no passwordless sudo);" \
        "install the Debian package postgresql" >&2
    exit 1
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-postgresql: apt-get not found; install PostgreSQL (initdb, pg_ctl) by hand" >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! { $SUDO apt-get update -qq && \
       $SUDO apt-get install -y -qq --no-install-recommends postgresql; } >"$log" 2>&1; then
    tail -n 20 "$log" >&2
    echo "install-postgresql: apt-get failed to install postgresql" >&2
    exit 1
fi

if ! have_pg; then
    echo "install-postgresql: initdb/pg_ctl still not found after installing postgresql" >&2
    exit 1
fi

#!/usr/bin/env bash
# Make sure the PostgreSQL server named by the URL in $1 answers, for the tests. On this machine
# only: if it is local and not running, start it (installing Debian's server if it is missing).
set -euo pipefail
url=${1:?usage: postgres.sh postgresql://user@host:port/db}
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
hostport=${url#*@}; hostport=${hostport%%/*}
host=${hostport%%:*}; port=${hostport##*:}; [ "$port" = "$host" ] && port=5432

ready() { command -v pg_isready >/dev/null 2>&1 && pg_isready -q -h "$host" -p "$port"; }
ready && exit 0
case "$host" in 127.0.0.1|localhost|::1) ;; *) echo "postgres: $host:$port does not answer" >&2; exit 1;; esac

if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
  echo "postgres: installing Debian's PostgreSQL server"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  # Test machine only: trust local TCP connections, as the CI URL carries no password.
  for hba in /etc/postgresql/*/main/pg_hba.conf; do
    as_root sed -i -E 's/^(host\s+all\s+all\s+(127\.0\.0\.1\/32|::1\/128)\s+)\S+/\1trust/' "$hba"
  done
fi
version=$(ls /etc/postgresql | sort -V | tail -n1)
echo "postgres: starting cluster $version/main"
as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
for _ in $(seq 1 30); do ready && break; sleep 1; done
ready || { echo "postgres: server did not come up on $host:$port" >&2; exit 1; }
db=${url##*/}; db=${db%%\?*}
if [ -n "$db" ]; then
  as_root su postgres -c "psql -tAc \"SELECT 1 FROM pg_database WHERE datname='$db'\" | grep -q 1 || createdb '$db'" || true
fi

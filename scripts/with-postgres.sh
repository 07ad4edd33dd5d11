#!/usr/bin/env bash
# Runs a command with a throwaway PostgreSQL server: Debian's packages (installed when missing), a
# temporary data folder, a free loopback port, trust authentication on loopback only. The command
# sees TESSERA_TEST_DATABASE_URL (a superuser `tessera`, database `postgres`); the server is
# stopped and its folder deleted afterwards, whatever the command's outcome.
# Usage: scripts/with-postgres.sh COMMAND [ARGS...]
# POSTGRES_DURABLE=1 keeps PostgreSQL's default durability (fsync, synchronous commit), for
# benchmarks; tests run without it (the data is thrown away).
set -euo pipefail

say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# The newest installed server (a folder with initdb, not a client-only one).
bindir() {
  local dir
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -rV); do
    if [[ -x "$dir/initdb" && -x "$dir/pg_ctl" ]]; then
      echo "$dir"
      return
    fi
  done
}

if [[ -z "$(bindir)" ]]; then
  say "installing Debian's PostgreSQL server for the tests"
  sudo=()
  [[ $(id -u) -eq 0 ]] || sudo=(sudo)
  "${sudo[@]}" apt-get update -qq || die "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq -o DPkg::Lock::Timeout=300 postgresql \
    || die "could not install postgresql"
fi
bin=$(bindir)

# PostgreSQL refuses to run as root: as root, the server runs as the unprivileged `postgres`
# account the package creates (or `nobody`).
as_server=()
if [[ $(id -u) -eq 0 ]]; then
  account=postgres
  id "$account" >/dev/null 2>&1 || account=nobody
  as_server=(runuser -u "$account" --)
fi
# Run from the data folder: the server's account may not be allowed into the caller's folder.
server() { (cd "$data" && "${as_server[@]}" "$@"); }

free_port() {
  local port
  for _ in $(seq 1 50); do
    port=$((20000 + RANDOM % 20000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return
    fi
  done
  die "no free loopback port found"
}

data=$(mktemp -d /tmp/tessera-pg.XXXXXX)
stop() {
  [[ ! -f "$data/db/postmaster.pid" ]] || server "$bin/pg_ctl" -D "$data/db" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$data"
}
trap stop EXIT
chmod 0755 "$data"
mkdir "$data/db" "$data/run"
[[ ${#as_server[@]} -eq 0 ]] || chown "$account" "$data/db" "$data/run"
port=$(free_port)

server "$bin/initdb" -D "$data/db" -U tessera --auth=trust --no-sync -E UTF8 --no-locale \
  >"$data/initdb.log" 2>&1 || { cat "$data/initdb.log" >&2; die "initdb failed"; }
# Enough connections for parallel test threads, each with its pool; throwaway data needs no fsync.
settings="-h 127.0.0.1 -p $port -k $data/run -c max_connections=400"
if [[ "${POSTGRES_DURABLE:-0}" != 1 ]]; then
  settings+=" -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
fi
server "$bin/pg_ctl" -D "$data/db" -l "$data/run/server.log" -w -o "$settings" \
  start >/dev/null || { cat "$data/run/server.log" >&2; die "PostgreSQL did not start"; }
say "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port (data in $data)"

export TESSERA_TEST_DATABASE_URL="postgres://tessera@127.0.0.1:$port/postgres"
"$@"

#!/usr/bin/env bash
# .ci/postgres.sh — a throwaway PostgreSQL server for tests (CI and developers).
#
# Usage (bash only):
#
#   source .ci/postgres.sh
#   pg_start                 # install if needed, start a fresh cluster, export the variables below,
#                            # print DATABASE_URL on stdout (all other chatter goes to stderr)
#   trap pg_stop EXIT        # always: stops the server and deletes its temp dir
#   url=$(pg_createdb NAME)  # another database (owned by the same role); prints its URL
#   pg_stop                  # `pg_ctl stop -m fast`, then removes the temp dir; safe to call twice
#
#   bash .ci/postgres.sh selftest   # start, query over TCP through DATABASE_URL, stop; exit 0 if all worked
#
# After pg_start these are exported:
#   DATABASE_URL  postgres://scim:PASSWORD@127.0.0.1:PORT/scim   (role `scim`: LOGIN CREATEDB, owns db `scim`)
#   PG_DATA_DIR   the temp dir: data/ (the cluster), sock/ (unix socket), server.log, initdb.log
#   PG_BIN        e.g. /usr/lib/postgresql/15/bin (psql, pg_ctl, createdb, ... live there)
#   PG_PORT, PG_LOG, PG_SOCKET_DIR
#
# How it works:
#   * Install: skipped when initdb and pg_ctl exist under /usr/lib/postgresql/*/bin (the newest is used).
#     Otherwise `apt-get install -y --no-install-recommends postgresql` (as root, or via sudo), with the
#     Debian default cluster (15/main on :5432) switched off for that install; nothing relies on it,
#     on pg_ctlcluster or on systemd.
#   * Cluster: `initdb` in a fresh `mktemp -d` dir. The server may not run as root, so as root it runs
#     as the system user $PG_OS_USER (default `scimpg`, created if missing); otherwise as you.
#     It listens on 127.0.0.1 only, on a free port, with its unix socket inside the temp dir.
#     Auth: trust on the unix socket (for the `postgres` superuser that the helpers use),
#     scram-sha-256 password over TCP.
#   * Failure: every failing step prints `postgres.sh: error: ...` with the server log path (and its tail)
#     and returns non-zero; a failed start never leaves a server running.
#
# Works under `set -euo pipefail` (every step is checked explicitly) and without it; sourcing it does
# not change the caller's shell options.
#
# Overridable (environment): PG_OS_USER (scimpg), PG_APT_PACKAGE (postgresql), TMPDIR (/tmp),
# PG_EXTRA_CONF (lines appended to postgresql.conf, e.g. "log_statement = 'all'").

_pg_msg() { printf 'postgres.sh: %s\n' "$*" >&2; }
_pg_err() { printf 'postgres.sh: error: %s\n' "$*" >&2; }

# Print the server log path and its tail (for error messages).
_pg_show_log() {
  local log=${1:-${PG_LOG:-}}
  [ -n "$log" ] || return 0
  if [ -s "$log" ]; then
    _pg_err "server log: $log (last lines below)"
    tail -n 25 "$log" | sed 's/^/    | /' >&2
  else
    _pg_err "server log: $log (empty)"
  fi
}

# Newest /usr/lib/postgresql/*/bin holding both initdb and pg_ctl, or nothing.
_pg_find_bin() {
  local d
  for d in /usr/lib/postgresql/*/bin; do
    if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then printf '%s\n' "$d"; fi
  done | sort -V | tail -n 1 | grep .
}

_pg_install() {
  local sudo="" pkg=${PG_APT_PACKAGE:-postgresql} dropin=/etc/postgresql-common/createcluster.d/00-scim-ci-no-main.conf made_dropin=0 rc=0
  if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
      sudo="sudo -n"
    else
      _pg_err "PostgreSQL is not installed (no initdb/pg_ctl under /usr/lib/postgresql/*/bin) and this is not root;"
      _pg_err "install it with: sudo apt-get install postgresql"
      return 1
    fi
  fi
  command -v apt-get >/dev/null 2>&1 || { _pg_err "PostgreSQL is not installed and there is no apt-get (Debian/Ubuntu only)"; return 1; }
  _pg_msg "installing $pkg with apt-get (output below)"
  # Do not let the package create (and, where an init system exists, start) its default cluster on :5432.
  if [ ! -e "$dropin" ]; then
    $sudo mkdir -p "${dropin%/*}" && printf 'create_main_cluster = false\n' | $sudo tee "$dropin" >/dev/null && made_dropin=1
  fi
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get -q update >&2 || rc=$?
  if [ "$rc" = 0 ]; then
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get -q -y --no-install-recommends \
      -o DPkg::Lock::Timeout=300 install "$pkg" >&2 || rc=$?
  fi
  if [ "$made_dropin" = 1 ]; then $sudo rm -f "$dropin" || true; fi
  if [ "$rc" != 0 ]; then
    _pg_err "apt-get failed (exit $rc) installing $pkg; see the apt output above"
    return 1
  fi
}

# The OS user the server runs as: $PG_OS_USER when root, else the current user.
_pg_os_user() {
  if [ "$(id -u)" = 0 ]; then printf '%s\n' "${PG_OS_USER:-scimpg}"; else id -un; fi
}

_pg_ensure_os_user() {
  local u
  u=$(_pg_os_user) || return 1
  [ "$(id -u)" = 0 ] || return 0
  id -u "$u" >/dev/null 2>&1 && return 0
  _pg_msg "creating system user $u (PostgreSQL refuses to run as root)"
  if command -v useradd >/dev/null 2>&1; then
    useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$u" ||
      { _pg_err "useradd $u failed"; return 1; }
  else
    adduser --system --group --no-create-home --home /nonexistent "$u" >&2 ||
      { _pg_err "adduser $u failed"; return 1; }
  fi
}

# Run a command as the server's OS user, from inside the temp dir (its cwd may be unreadable to that
# user otherwise), with the C locale (the CI locale may not be generated).
_pg_as_user() {
  local u
  u=$(_pg_os_user) || return 1
  if [ "$(id -u)" = 0 ]; then
    (cd "$PG_DATA_DIR" && LC_ALL=C runuser -u "$u" -- "$@")
  else
    (cd "$PG_DATA_DIR" && LC_ALL=C "$@")
  fi
}

# A TCP port on 127.0.0.1 that nothing listens on right now (pg_start retries if it is taken meanwhile).
_pg_free_port() {
  if command -v python3 >/dev/null 2>&1; then
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()' && return 0
  fi
  local p _
  for _ in $(seq 1 50); do
    p=$(( 20000 + (RANDOM * 32768 + RANDOM) % 40000 ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then printf '%s\n' "$p"; return 0; fi
  done
  _pg_err "found no free TCP port on 127.0.0.1"
  return 1
}

# Is process $1 alive (a zombie waiting to be reaped counts as gone)?
_pg_pid_alive() {
  kill -0 "$1" 2>/dev/null || return 1
  local state
  state=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 0
  [ "$state" != Z ]
}

# Wait up to 10 s for process $1 to exit.
_pg_wait_gone() {
  local _
  for _ in $(seq 1 100); do _pg_pid_alive "$1" || return 0; sleep 0.1; done
  return 1
}

# Is a postmaster from our data dir alive?
_pg_running() {
  [ -n "${PG_DATA_DIR:-}" ] && [ -f "$PG_DATA_DIR/data/postmaster.pid" ] || return 1
  local pid
  pid=$(head -n 1 "$PG_DATA_DIR/data/postmaster.pid" 2>/dev/null) || return 1
  [ -n "$pid" ] && _pg_pid_alive "$pid"
}

# Stop the server whatever it takes (fast, then immediate, then SIGKILL). Returns 1 if it survives.
_pg_kill_server() {
  _pg_running || return 0
  local pid
  pid=$(head -n 1 "$PG_DATA_DIR/data/postmaster.pid")
  _pg_as_user "$PG_BIN/pg_ctl" stop -s -D "$PG_DATA_DIR/data" -m fast -w -t 30 >&2 && _pg_wait_gone "$pid" && return 0
  _pg_err "pg_ctl stop -m fast failed; trying -m immediate"
  _pg_as_user "$PG_BIN/pg_ctl" stop -s -D "$PG_DATA_DIR/data" -m immediate -w -t 10 >&2 && _pg_wait_gone "$pid" && return 0
  _pg_err "pg_ctl stop -m immediate failed; killing postmaster $pid"
  kill -KILL "$pid" 2>/dev/null || true
  _pg_wait_gone "$pid" && return 0
  _pg_err "postmaster $pid is still running"
  return 1
}

_pg_url() { printf 'postgres://%s:%s@127.0.0.1:%s/%s\n' "$_PG_ROLE" "$_PG_PASS" "$PG_PORT" "$1"; }

pg_start() {
  if [ -n "${PG_DATA_DIR:-}" ] && [ -f "$PG_DATA_DIR/.scim-ci-postgres" ] && _pg_running && [ -n "${DATABASE_URL:-}" ]; then
    _pg_msg "already running ($PG_DATA_DIR)"
    printf '%s\n' "$DATABASE_URL"
    return 0
  fi

  # A leftover from an earlier pg_start in this shell (e.g. one that failed): clean it up first.
  if [ -n "${PG_DATA_DIR:-}" ] && [ -f "$PG_DATA_DIR/.scim-ci-postgres" ]; then
    pg_stop || return 1
  fi

  # 1. binaries
  PG_BIN=$(_pg_find_bin) || PG_BIN=""
  if [ -z "$PG_BIN" ]; then
    _pg_install || return 1
    PG_BIN=$(_pg_find_bin) || PG_BIN=""
    [ -n "$PG_BIN" ] || { _pg_err "installed PostgreSQL, but found no initdb/pg_ctl under /usr/lib/postgresql/*/bin"; return 1; }
  fi
  export PG_BIN

  # 2. user and temp dir
  _pg_ensure_os_user || return 1
  local u dir
  u=$(_pg_os_user) || return 1
  dir=$(mktemp -d "${TMPDIR:-/tmp}/scim-pg.XXXXXX") || { _pg_err "mktemp -d failed in ${TMPDIR:-/tmp}"; return 1; }
  : > "$dir/.scim-ci-postgres"   # marks the dir as ours: pg_stop deletes only such a dir
  if ! { mkdir -p "$dir/data" "$dir/sock" && chmod 700 "$dir" "$dir/data" "$dir/sock"; }; then
    _pg_err "cannot prepare $dir"; return 1
  fi
  export PG_DATA_DIR=$dir PG_LOG=$dir/server.log PG_SOCKET_DIR=$dir/sock PG_PORT=""
  : > "$PG_LOG"
  if [ "$(id -u)" = 0 ]; then
    chown -R "$u:" "$dir" || { _pg_err "chown $u $dir failed"; return 1; }
    if ! runuser -u "$u" -- test -w "$dir/data"; then
      _pg_err "user $u cannot write $dir (is a parent of TMPDIR=${TMPDIR:-/tmp} closed to others?); set TMPDIR=/tmp"
      return 1
    fi
  fi

  # 3. initdb. Superuser `postgres`: trust on the unix socket only; TCP needs a password.
  _PG_ROLE=scim
  _PG_PASS=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n') || { _pg_err "no randomness for the password"; return 1; }
  # --no-sync: like fsync=off below, fine for a throwaway cluster.
  if ! _pg_as_user "$PG_BIN/initdb" -D "$dir/data" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
      --encoding=UTF8 --locale=C --no-sync >"$dir/initdb.log" 2>&1; then
    _pg_err "initdb failed in $dir/data"
    _pg_show_log "$dir/initdb.log"
    return 1
  fi
  cat >>"$dir/data/postgresql.conf" <<EOF || { _pg_err "cannot write $dir/data/postgresql.conf"; return 1; }

# --- .ci/postgres.sh: throwaway test cluster ---
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir/sock'
max_connections = 200
# Speed over durability: the data is thrown away, so a crash may lose or corrupt it. Never for real data.
fsync = off
synchronous_commit = off
full_page_writes = off
${PG_EXTRA_CONF:-}
EOF

  # 4. start on a free port (retry with another port if someone grabbed it meanwhile)
  local attempt port started=0
  for attempt in 1 2 3 4 5; do
    port=$(_pg_free_port) || return 1
    PG_PORT=$port
    # shellcheck disable=SC2094 # pg_ctl appends the server's output to the log; its own errors go there too
    if _pg_as_user "$PG_BIN/pg_ctl" start -D "$dir/data" -l "$PG_LOG" -w -t 60 -o "-p $port" >/dev/null 2>>"$PG_LOG"; then
      started=1; break
    fi
    _pg_kill_server || { _pg_show_log; return 1; }
    if tail -n 20 "$PG_LOG" | grep -Eq 'could not bind|Address already in use|could not create any TCP/IP sockets'; then
      _pg_msg "port $port was taken; retrying (attempt $attempt)"
      continue
    fi
    break
  done
  export PG_PORT
  if [ "$started" != 1 ]; then
    _pg_err "the server did not start (pg_ctl start failed)"
    _pg_show_log
    return 1
  fi

  # 5. wait until it accepts TCP connections
  local _ ready=0
  for _ in $(seq 1 100); do
    if "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -t 2; then ready=1; break; fi
    _pg_running || break
    sleep 0.2
  done
  if [ "$ready" != 1 ]; then
    _pg_err "the server does not accept connections on 127.0.0.1:$PG_PORT (pg_isready)"
    _pg_kill_server || true
    _pg_show_log
    return 1
  fi

  # 6. role and database
  if ! LC_ALL=C "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$PG_SOCKET_DIR" -p "$PG_PORT" -U postgres -d postgres \
      -c "CREATE ROLE $_PG_ROLE LOGIN CREATEDB PASSWORD '$_PG_PASS'" \
      -c "CREATE DATABASE scim OWNER $_PG_ROLE" >>"$PG_LOG" 2>&1; then
    _pg_err "could not create role $_PG_ROLE / database scim"
    _pg_kill_server || true
    _pg_show_log
    return 1
  fi

  DATABASE_URL=$(_pg_url scim)
  export DATABASE_URL
  _pg_msg "PostgreSQL $("$PG_BIN/postgres" -V | awk '{print $3}') running as $u on 127.0.0.1:$PG_PORT, dir $PG_DATA_DIR"
  printf '%s\n' "$DATABASE_URL"
}

pg_createdb() {
  local name=${1:-}
  if ! [[ "$name" =~ ^[a-z_][a-z0-9_]{0,62}$ ]]; then
    _pg_err "pg_createdb: database name must match [a-z_][a-z0-9_]* (got '${name}')"
    return 1
  fi
  if ! _pg_running || [ -z "${_PG_PASS:-}" ]; then
    _pg_err "pg_createdb: no server from pg_start is running in this shell"
    return 1
  fi
  if ! LC_ALL=C "$PG_BIN/createdb" -h "$PG_SOCKET_DIR" -p "$PG_PORT" -U postgres -O "$_PG_ROLE" "$name" >>"$PG_LOG" 2>&1; then
    _pg_err "createdb $name failed"
    _pg_show_log
    return 1
  fi
  _pg_url "$name"
}

pg_stop() {
  local dir=${PG_DATA_DIR:-}
  [ -n "$dir" ] && [ -d "$dir" ] || return 0
  if [ ! -f "$dir/.scim-ci-postgres" ]; then
    _pg_err "pg_stop: $dir was not made by pg_start; not touching it"
    return 1
  fi
  if [ -n "${PG_BIN:-}" ] && ! _pg_kill_server; then
    _pg_show_log
    return 1
  fi
  rm -rf -- "$dir"
  unset PG_DATA_DIR PG_LOG PG_SOCKET_DIR PG_PORT DATABASE_URL _PG_PASS _PG_ROLE
  return 0
}

_pg_selftest() {
  set -euo pipefail
  local t0=$SECONDS
  trap pg_stop EXIT
  pg_start
  local psql=("$PG_BIN/psql" -X -v ON_ERROR_STOP=1 -At)
  echo "-- SELECT version() over TCP through DATABASE_URL"
  "${psql[@]}" "$DATABASE_URL" -c 'SELECT version()'
  echo "-- create table / insert / select"
  local out
  out=$("${psql[@]}" "$DATABASE_URL" \
    -c 'CREATE TABLE t (id serial PRIMARY KEY, name text NOT NULL)' \
    -c "INSERT INTO t (name) VALUES ('alice'), ('bob')" \
    -c 'SELECT string_agg(name, $$,$$ ORDER BY id) FROM t' | tail -n 1)
  echo "$out"
  [ "$out" = "alice,bob" ] || { _pg_err "selftest: expected 'alice,bob', got '$out'"; exit 1; }
  [ "$("${psql[@]}" "$DATABASE_URL" -c 'SELECT inet_server_addr()')" = 127.0.0.1 ] ||
    { _pg_err "selftest: the connection is not over TCP to 127.0.0.1"; exit 1; }
  echo "-- a wrong password is refused over TCP"
  if PGCONNECT_TIMEOUT=5 "${psql[@]}" "postgres://scim:wrong@127.0.0.1:$PG_PORT/scim" -c 'SELECT 1' >/dev/null 2>&1; then
    _pg_err "selftest: a wrong password was accepted"; exit 1
  fi
  echo "-- pg_createdb"
  local url2
  url2=$(pg_createdb scim_selftest_2)
  echo "$url2"
  [ "$("${psql[@]}" "$url2" -c 'SELECT current_database()')" = scim_selftest_2 ] ||
    { _pg_err "selftest: pg_createdb database not reachable"; exit 1; }
  echo "-- pg_stop"
  local dir=$PG_DATA_DIR port=$PG_PORT pid
  pid=$(head -n 1 "$dir/data/postmaster.pid")
  pg_stop
  if _pg_pid_alive "$pid"; then _pg_err "selftest: postmaster $pid still running after pg_stop"; exit 1; fi
  if [ -e "$dir" ]; then _pg_err "selftest: $dir still exists after pg_stop"; exit 1; fi
  if "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$port" -t 1; then _pg_err "selftest: something still answers on $port"; exit 1; fi
  trap - EXIT
  echo "selftest ok ($((SECONDS - t0)) s)"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  case "${1:-}" in
    selftest) _pg_selftest ;;
    *) sed -n '2,/^$/p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
  esac
fi

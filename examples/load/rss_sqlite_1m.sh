#!/usr/bin/env bash
# Resident memory of scim-example-axum on SQLite with 1,000,000 users (and 10,000 to compare),
# on 127.0.0.1 only: it should be bounded by the example's caches (SQLite's page cache per
# connection, the pools), not by the size of the database.
#
#   bash examples/load/rss_sqlite_1m.sh          # about 3-4 minutes here once built
#
# For each size in SIZES (default "10000 1000000"):
#   1. starts the example once on a new database file (it migrates the schema) and stops it;
#   2. seeds the users in bulk with SQL (seed_sql.py: the rows SqliteStore::create writes
#      for seed.py's users, one transaction, then ANALYZE) — 1M users over HTTP would take
#      far longer;
#   3. starts the example on the file (RUST_LOG=warn) and prints VmRSS after start, then
#      runs lookup, get_id and page (scim.lua, wrk -t2 -c32) for PHASE seconds each (default
#      20), printing VmRSS after each, and VmHWM at the end.
#
# Environment: SIZES, PHASE (seconds per workload), SKIP_BUILD=1, OUT (directory for logs
# and the database files; default a new temp dir, removed at the end unless KEEP=1).
# Exit status: non-zero when a tool fails.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
SIZES="${SIZES:-10000 1000000}"
PHASE="${PHASE:-20}"
OUT="${OUT:-$(mktemp -d /tmp/scim-rss-sqlite.XXXXXX)}"
TOKEN="rss-$RANDOM$RANDOM$RANDOM"
mkdir -p "$OUT"

started_at=$SECONDS
log() { printf '[rss_sqlite_1m.sh %3ds] %s\n' "$((SECONDS - started_at))" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

SERVER_PID=""
stop_server() {
  if [[ -n "$SERVER_PID" ]]; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  SERVER_PID=""
}
cleanup() {
  stop_server
  if [[ "${KEEP:-0}" != 1 ]]; then rm -f "$OUT"/*.db "$OUT"/*.db-wal "$OUT"/*.db-shm; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

command -v wrk >/dev/null 2>&1 || die "wrk is needed (run.sh installs it: apt-get install -y wrk)"
if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  log "building scim-example-axum (release)"
  (cd "$ROOT" && cargo build --release -p scim-example-axum) >"$OUT/build.log" 2>&1 \
    || die "cargo build failed (see $OUT/build.log)"
fi
TARGET_DIR="$(cd "$ROOT" && cargo metadata --format-version 1 --no-deps 2>/dev/null \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
SCIM_BIN="$TARGET_DIR/release/scim-example-axum"
[[ -x "$SCIM_BIN" ]] || die "$SCIM_BIN is missing"

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
# start DB: the example on the database file DB, listening on $PORT.
start() {
  PORT="$(free_port)"
  SCIM_TOKEN="$TOKEN" RUST_LOG=warn "$SCIM_BIN" --listen "127.0.0.1:$PORT" \
    --database "sqlite://$1" >>"$OUT/server.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 300); do
    kill -0 "$SERVER_PID" 2>/dev/null || die "the server exited (see $OUT/server.log)"
    python3 -c "import socket; socket.create_connection(('127.0.0.1', $PORT), 0.2)" 2>/dev/null \
      && return 0
    sleep 0.1
  done
  die "the server did not listen within 30 s"
}
field() { awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"; }
mib() { awk -v k="$1" 'BEGIN { printf "%.0f", k / 1024 }'; }

{
  echo "| users | database file | VmRSS after start | after lookup | after get_id | after page | VmHWM | lookup req/s | get_id req/s | page req/s |"
  echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
} >"$OUT/results.md"
for n in $SIZES; do
  db="$OUT/users-$n.db"
  rm -f "$db" "$db-wal" "$db-shm"
  log "$n users: migrating $db"
  start "$db"
  stop_server
  log "$n users: seeding with seed_sql.py"
  python3 "$HERE/seed_sql.py" --db "$db" --users "$n" --out-dir "$OUT/data-$n" \
    >"$OUT/seed-$n.log" 2>&1 || die "seeding failed (see $OUT/seed-$n.log)"
  log "$(cat "$OUT/seed-$n.log")"
  size_mib=$(( $(stat -c %s "$db") / 1048576 ))
  start "$db"
  rss0="$(field "$SERVER_PID" VmRSS)"
  # The seeded rows must be the server's: the last user found by id and by userName.
  IFS=$'\t' read -r last_id last_name < <(tail -n 1 "$OUT/data-$n/users.tsv")
  python3 - "$PORT" "$TOKEN" "$last_id" "$last_name" <<'PY' || die "the server does not see the seeded users"
import json, sys, urllib.parse, urllib.request
port, token, uid, name = sys.argv[1:]
base = f"http://127.0.0.1:{port}/scim/v2/Users"
def get(url):
    req = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.load(r)
assert get(f"{base}/{uid}")["userName"] == name
q = urllib.parse.quote(f'userName eq "{name}"')
assert get(f"{base}?filter={q}")["totalResults"] == 1
PY
  declare -A RSS=() RPS=()
  for w in lookup get_id page; do
    out="$(timeout $((PHASE + 30)) wrk -t2 -c32 -d"${PHASE}s" --timeout 10s -s "$HERE/scim.lua" \
      "http://127.0.0.1:$PORT" -- "$w" "$OUT/data-$n/users.tsv" - "$TOKEN" 0 0 2>&1)" \
      || { printf '%s\n' "$out" >"$OUT/wrk-$n-$w.log"; die "wrk failed ($w, $n users)"; }
    printf '%s\n' "$out" >"$OUT/wrk-$n-$w.log"
    line="$(grep '^RESULT ' <<<"$out" | tail -1)" || die "no RESULT from wrk ($w)"
    req="$(sed -n 's/.*requests=\([0-9]*\).*/\1/p' <<<"$line")"
    dur="$(sed -n 's/.*duration_us=\([0-9]*\).*/\1/p' <<<"$line")"
    non2xx="$(sed -n 's/.*non2xx=\([0-9]*\).*/\1/p' <<<"$line")"
    (( non2xx == 0 )) || die "$non2xx non-2xx answers ($w, $n users; see $OUT/wrk-$n-$w.log)"
    RPS[$w]="$(awk -v r="$req" -v d="$dur" 'BEGIN { printf "%.0f", r / (d / 1e6) }')"
    RSS[$w]="$(field "$SERVER_PID" VmRSS)"
    log "$n users, $w: ${RPS[$w]} req/s, VmRSS $(mib "${RSS[$w]}") MiB"
  done
  hwm="$(field "$SERVER_PID" VmHWM)"
  stop_server
  echo "| $n | $size_mib MiB | $(mib "$rss0") MiB | $(mib "${RSS[lookup]}") MiB | $(mib "${RSS[get_id]}") MiB | $(mib "${RSS[page]}") MiB | $(mib "$hwm") MiB | ${RPS[lookup]} | ${RPS[get_id]} | ${RPS[page]} |" >>"$OUT/results.md"
done
echo
cat "$OUT/results.md"
log "done in $((SECONDS - started_at)) s; logs in $OUT"

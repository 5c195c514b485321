#!/usr/bin/env bash
# Resident memory of scim-example-axum holding 1,000,000 users (on 127.0.0.1 only).
#
#   bash examples/load/rss_1m.sh          # about 5 minutes here; gives up after 15
#
# 1. builds scim-example-axum and the in-process probe (scim-example-baseline's
#    `rss_inprocess`) in release;
# 2. starts the example on a free port (RUST_LOG=warn) and creates USERS users (default
#    1,000,000) over HTTP with seed.py (WORKERS processes, default 4, each one keep-alive
#    connection; the server has no bulk endpoint), printing VmRSS every 30 s;
# 3. prints the server's VmRSS and VmHWM from /proc/PID/status, the user count the server
#    reports, and the time of two single requests at that size: a userName lookup (indexed)
#    and the first page of 100 (GET /Users?count=100); then POST /Users under load at that
#    size (wrk -t2 -c32 for POST_SECONDS, default 10; p50/p99), as an identity provider's
#    initial cycle creates users while the directory grows (skip with POST_SECONDS=0);
# 4. runs `rss_inprocess --users USERS`: the same users created through ScimServer::handle
#    in-process (no HTTP, no tokio worker threads), printing VmRSS at 10k/100k/200k/500k/1M.
#
# Environment: USERS, WORKERS, DEADLINE (seconds for the whole script, default 900),
# POST_SECONDS, SKIP_BUILD=1, SKIP_INPROCESS=1, OUT (directory for logs; default a new temp dir).
# Exit status: non-zero when a tool fails or the deadline passes.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
USERS="${USERS:-1000000}"
WORKERS="${WORKERS:-4}"
DEADLINE="${DEADLINE:-900}"
OUT="${OUT:-$(mktemp -d /tmp/scim-rss.XXXXXX)}"
TOKEN="rss-$RANDOM$RANDOM$RANDOM"
mkdir -p "$OUT"

started_at=$SECONDS
log() { printf '[rss_1m.sh %3ds] %s\n' "$((SECONDS - started_at))" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
remaining() { echo $((DEADLINE - (SECONDS - started_at))); }

SERVER_PID=""
SAMPLER_PID=""
cleanup() {
  if [[ -n "$SAMPLER_PID" ]]; then kill "$SAMPLER_PID" 2>/dev/null || true; fi
  if [[ -n "$SERVER_PID" ]]; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  log "building (release)"
  (cd "$ROOT" && cargo build --release -p scim-example-axum -p scim-example-baseline) \
    >"$OUT/build.log" 2>&1 || die "cargo build failed (see $OUT/build.log)"
fi
TARGET_DIR="$(cd "$ROOT" && cargo metadata --format-version 1 --no-deps 2>/dev/null \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
SCIM_BIN="$TARGET_DIR/release/scim-example-axum"
PROBE_BIN="$TARGET_DIR/release/rss_inprocess"

PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
log "starting scim-example-axum on 127.0.0.1:$PORT"
SCIM_TOKEN="$TOKEN" RUST_LOG=warn "$SCIM_BIN" --listen "127.0.0.1:$PORT" --database memory \
  >"$OUT/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 100); do
  python3 -c "import socket; socket.create_connection(('127.0.0.1', $PORT), 0.2)" 2>/dev/null && break
  kill -0 "$SERVER_PID" 2>/dev/null || die "the server exited (see $OUT/server.log)"
  sleep 0.1
done

mib() { awk -v k="$1" 'BEGIN { printf "%.0f MiB", k / 1024 }'; }
field() { awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"; }

# A bounded sampler: one line every 30 s until the deadline (or until killed).
(
  for _ in $(seq $((DEADLINE / 30 + 1))); do
    sleep 30
    kill -0 "$SERVER_PID" 2>/dev/null || exit 0
    log "server VmRSS $(mib "$(field "$SERVER_PID" VmRSS)")"
  done
) &
SAMPLER_PID=$!

log "creating $USERS users over HTTP with $WORKERS workers"
t0=$SECONDS
python3 "$HERE/seed.py" --url "http://127.0.0.1:$PORT/scim/v2" --token "$TOKEN" \
  --users "$USERS" --groups 0 --workers "$WORKERS" --deadline "$(remaining)" --out-dir "$OUT" \
  >"$OUT/seed.log" 2>&1 || die "seeding failed or timed out (see $OUT/seed.log)"
seed_s=$((SECONDS - t0))
kill "$SAMPLER_PID" 2>/dev/null || true
SAMPLER_PID=""
log "$(cat "$OUT/seed.log")"

rss="$(field "$SERVER_PID" VmRSS)"
hwm="$(field "$SERVER_PID" VmHWM)"
auth=(-H "Authorization: Bearer $TOKEN")
url="http://127.0.0.1:$PORT/scim/v2"
last=$((USERS - 1))
lookup_s="$(curl -s -o /dev/null -w '%{time_total}' --max-time 60 "${auth[@]}" \
  "$url/Users?filter=userName%20eq%20%22user$last%40example.com%22")"
page_s="$(curl -s -o "$OUT/page.json" -w '%{time_total}' --max-time 60 "${auth[@]}" \
  "$url/Users?count=100")"
total="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["totalResults"])' "$OUT/page.json")"

post_line=""
POST_SECONDS="${POST_SECONDS:-10}"
if [[ "$POST_SECONDS" != 0 ]]; then
  command -v wrk >/dev/null || die "wrk is missing (apt-get install -y wrk)"
  WRK_THREADS=2 timeout $((POST_SECONDS + 30)) wrk -t2 -c32 -d"${POST_SECONDS}s" -s "$HERE/scim.lua" \
    "http://127.0.0.1:$PORT" -- post_user "$OUT/users.tsv" - "$TOKEN" "rss1m" >"$OUT/post.log" 2>&1 \
    || die "wrk failed (see $OUT/post.log)"
  post_line="$(awk '/^RESULT/ {
      for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
      printf "%d POST /Users in %.1f s (%.0f/s): p50 %.2f ms, p99 %.2f ms, %d non-2xx, %d errors",
        v["requests"], v["duration_us"] / 1e6, v["requests"] / (v["duration_us"] / 1e6),
        v["p50_us"] / 1000, v["p99_us"] / 1000, v["non2xx"], v["errors"] }' "$OUT/post.log")"
  [[ -n "$post_line" ]] || die "no RESULT line from wrk (see $OUT/post.log)"
fi

{
  echo "scim-example-axum holding $total users (created over HTTP in ${seed_s} s):"
  echo "- VmRSS $(mib "$rss") ($((rss * 1024 / total)) bytes/user), VmHWM $(mib "$hwm")"
  echo "- one GET /Users?filter=userName eq \"user$last@example.com\": ${lookup_s} s"
  echo "- one GET /Users?count=100 (first page): ${page_s} s"
  if [[ -n "$post_line" ]]; then echo "- then $post_line"; fi
} | tee "$OUT/results.md"
cleanup
SERVER_PID=""

if [[ "${SKIP_INPROCESS:-0}" != 1 ]]; then
  log "in-process: rss_inprocess --users $USERS"
  echo | tee -a "$OUT/results.md"
  echo "In-process (ScimServer::handle over InMemoryStore, no HTTP):" | tee -a "$OUT/results.md"
  timeout "$(remaining)" "$PROBE_BIN" --users "$USERS" | tee -a "$OUT/results.md" \
    || die "rss_inprocess failed or timed out"
fi
log "done in $((SECONDS - started_at)) s; logs in $OUT"

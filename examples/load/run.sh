#!/usr/bin/env bash
# Loopback load test of the SCIM axum example against a bare-axum baseline.
#
#   bash examples/load/run.sh            # from anywhere; takes about 1.5-2 minutes once built
#   BACKENDS="memory sqlite postgres" bash examples/load/run.sh   # the stores side by side, ~5 min
#
# What it does, all on 127.0.0.1:
#   1. installs the load tool if missing: wrk (Debian's `apt-get install -y wrk`). wrk, not
#      oha, because its Lua scripts vary the request *body* per request: POST /Users needs a
#      new userName every time (a fixed body gives 409 after the first) and a group member add
#      needs a new member every time (a repeated add is a no-op); oha varies only URLs.
#   2. builds `scim-example-axum` and `scim-example-baseline` in release;
#   3. starts the SCIM example on a free port once per store in BACKENDS (default "memory";
#      "sqlite": a new database file in $OUT; "postgres": $DATABASE_URL, which must name an
#      empty database, or else a throwaway cluster started with .ci/postgres.sh and stopped at
#      the end), with RUST_LOG=warn (no per-request log line; set SCIM_LOG=info to measure with
#      it), and seeds each with 10,000 users and 100 groups of 20 members over HTTP (seed.py);
#   4. runs each workload with wrk for DURATION seconds (at most 10; default 10), THREADS
#      wrk threads (default 2) and CONNS keep-alive connections (default 32), requests varied
#      per request by scim.lua:
#        lookup      GET /Users?filter=userName eq "user{i}@example.com"
#        get_id      GET /Users/{id}
#        page        GET /Users?startIndex=N&count=100
#        patch_user  PATCH /Users/{id}, replace displayName (a new value every time)
#        group_add   PATCH /Groups/{gid}, add one member (a new (group, user) pair every time)
#        post_user   POST /Users (a new userName every time)
#      and reads the server's utime+stime from /proc/PID/stat before and after each run;
#   5. starts the baseline (examples/baseline-axum) with 10,000 users beside them; lookup and
#      get_id run first, each in ROUNDS (default 5) alternating slices of DURATION/ROUNDS
#      seconds on every server (the examples in BACKENDS order, then the baseline; reversed
#      every other round; DURATION seconds per server in all), so that bursts of other load
#      and slow drifts of a shared machine hit all alike; then the other workloads, once each,
#      on each example;
#   6. prints a markdown table (also written to $OUT/results.md) and PASS/FAIL for the
#      targets: on the memory store, lookup and GET by id reach at least 70% of the baseline's
#      req/s; on SQLite at least 50%, on PostgreSQL at least 25% of the memory store's.
#
# Columns: req/s = completed requests / wrk's measured duration; p50/p99 = wrk's latency
# percentiles (ms); CPU µs/req = server process CPU time (user+system, all threads) during the
# run / completed requests; non-2xx = answers with status >= 400 (wrk counts them as
# completed requests), socket errors = connect/read/write errors and timeouts (5 s); % of baseline = req/s over the baseline's for the same GET;
# wrk µs/req = the load tool's own CPU per request; other load = CPU used by everything else
# on the machine during the run, as a share of all cores (from /proc/stat; should be ~0).
# Client and server share this machine's cores, so req/s is a property of the pair; CPU µs/req
# is the server's own cost.
#
# Environment: BACKENDS (memory, sqlite, postgres; default memory), DURATION (s, 1..10),
# ROUNDS, THREADS, CONNS, USERS (default 10000), SEED_GROUPS (100),
# SCIM_LOG (default warn), OUT (a directory for the logs and data; default a new temp dir),
# SKIP_BUILD=1 (use the binaries already in target/release).
# Exit status: non-zero only when a tool fails (build, seeding, wrk, a server dying), not when
# the 70% target is missed.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
DURATION="${DURATION:-10}"
THREADS="${THREADS:-2}"
CONNS="${CONNS:-32}"
ROUNDS="${ROUNDS:-5}"
USERS="${USERS:-10000}"
GROUPS_N="${SEED_GROUPS:-100}"
SCIM_LOG="${SCIM_LOG:-warn}"
OUT="${OUT:-$(mktemp -d /tmp/scim-load.XXXXXX)}"
TOKEN="load-token-$RANDOM$RANDOM$RANDOM"
RUN_ID="$(date +%s)"
TARGET_PCT=70
BACKENDS="${BACKENDS:-memory}"
# The share of the memory store's req/s each SQL store's lookup and GET by id should reach.
declare -A STORE_TARGET=([sqlite]=50 [postgres]=25)
mkdir -p "$OUT"
for b in $BACKENDS; do
  case $b in
    memory | sqlite | postgres) ;;
    *) echo "run.sh: BACKENDS takes memory, sqlite and postgres, not $b" >&2; exit 2 ;;
  esac
done
read -r -a STORES <<<"$BACKENDS"
has_memory=0
for b in "${STORES[@]}"; do [[ $b == memory ]] && has_memory=1; done

if ! [[ "$DURATION" =~ ^[0-9]+$ ]] || (( DURATION < 1 || DURATION > 10 )); then
  echo "run.sh: DURATION must be 1..10 seconds" >&2
  exit 2
fi
if ! [[ "$ROUNDS" =~ ^[0-9]+$ ]] || (( ROUNDS < 1 )); then
  echo "run.sh: ROUNDS must be a positive integer" >&2
  exit 2
fi

started_at=$SECONDS
log() { printf '[run.sh %3ds] %s\n' "$((SECONDS - started_at))" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

declare -A SRV_PID=() SRV_PORT=() SEEDED_RSS=() FINAL_RSS=()
BASE_PID=""
PG_STARTED=0
stop_servers() {
  local pid
  for pid in "${SRV_PID[@]}" "$BASE_PID"; do
    if [[ -n "$pid" ]]; then
      kill "$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
    fi
  done
  SRV_PID=()
  BASE_PID=""
}
stop_all() {
  stop_servers
  if ((PG_STARTED)); then pg_stop >>"$OUT/postgres.log" 2>&1 || true; PG_STARTED=0; fi
}
trap stop_all EXIT
trap 'exit 130' INT TERM

# --- 1. the load tool ---------------------------------------------------------------------
if ! command -v wrk >/dev/null 2>&1; then
  log "installing wrk (apt-get)"
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y wrk >"$OUT/apt.log" 2>&1; then
    apt-get update >>"$OUT/apt.log" 2>&1 || true
    DEBIAN_FRONTEND=noninteractive apt-get install -y wrk >>"$OUT/apt.log" 2>&1 \
      || die "could not install wrk (see $OUT/apt.log)"
  fi
fi
command -v python3 >/dev/null 2>&1 || die "python3 is needed for seed.py"

# --- 2. build -----------------------------------------------------------------------------
if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  log "building scim-example-axum and scim-example-baseline (release)"
  (cd "$ROOT" && cargo build --release -p scim-example-axum -p scim-example-baseline) \
    >"$OUT/build.log" 2>&1 || die "cargo build failed (see $OUT/build.log)"
fi
TARGET_DIR="$(cd "$ROOT" && cargo metadata --format-version 1 --no-deps 2>/dev/null \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
SCIM_BIN="$TARGET_DIR/release/scim-example-axum"
BASE_BIN="$TARGET_DIR/release/scim-example-baseline"
[[ -x "$SCIM_BIN" && -x "$BASE_BIN" ]] || die "binaries missing in $TARGET_DIR/release"

# The source measured: the commit, and a digest of uncommitted changes to tracked files.
TREE="$(cd "$ROOT" && { git rev-parse --short HEAD 2>/dev/null || echo unknown; })"
if (cd "$ROOT" && ! git diff --quiet HEAD 2>/dev/null); then
  TREE="$TREE + uncommitted changes $(cd "$ROOT" && git diff HEAD | sha256sum | cut -c1-12)"
fi

# --- helpers ------------------------------------------------------------------------------
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_ready PID PORT: until the port accepts connections (at most 10 s).
wait_ready() {
  local pid=$1 port=$2
  for _ in $(seq 100); do
    kill -0 "$pid" 2>/dev/null || die "the server exited (see $OUT/*.log)"
    if python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', $port), 0.2)" 2>/dev/null; then
      return 0
    fi
    sleep 0.1
  done
  die "the server did not listen on 127.0.0.1:$port within 10 s"
}

CLK_TCK="$(getconf CLK_TCK)"
# cpu_ticks PID: utime + stime of the whole process (all threads), in clock ticks.
cpu_ticks() {
  # Fields after the ")" closing comm: state is 3, utime 14, stime 15 (1-based, of the
  # whole line); after stripping "pid (comm) " they are 12th and 13th.
  local stat rest
  stat="$(cat "/proc/$1/stat")" || die "the server (pid $1) is gone"
  rest="${stat##*) }"
  awk '{ print $12 + $13 }' <<<"$rest"
}

# machine_ticks: "BUSY TOTAL" clock ticks of all cores since boot, from /proc/stat.
machine_ticks() {
  awk '/^cpu / { total = 0; for (i = 2; i <= 9; i++) total += $i; print total - $5 - $6, total }' /proc/stat
}

rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

declare -A RPS P50 P99 CPU NON2XX ERRS WRK_CPU OTHER SLICES
# slice NAME WORKLOAD PID PORT USERS_TSV GROUPS_TSV SECONDS: one wrk run of SECONDS, added to
# NAME's totals ($OUT/slices-NAME.tsv: requests, duration_us, non2xx, socket errors, server
# CPU ticks, wrk CPU seconds, machine busy ticks, machine total ticks) and its latency
# quantiles ($OUT/q-NAME-K.txt, written by scim.lua).
slice() {
  local name=$1 workload=$2 pid=$3 port=$4 users_tsv=$5 groups_tsv=$6 secs=$7
  local k=$((${SLICES[$name]:-0} + 1))
  SLICES[$name]=$k
  local before after out line sys_before sys_after
  kill -0 "$pid" 2>/dev/null || die "the server died before $name"
  sys_before="$(machine_ticks)"
  before="$(cpu_ticks "$pid")"
  # timeout: wrk stops itself after SECONDS; this only guards against a hang. `times` in the
  # command substitution's subshell reports wrk's CPU time (its children's) on its last line.
  # The last argument offsets scim.lua's request counter so that slices never repeat a body.
  if ! out="$(WRK_THREADS=$THREADS WRK_QUANTILES="$OUT/q-$name-$k.txt" \
      timeout $((secs + 20)) wrk -t"$THREADS" -c"$CONNS" -d"${secs}s" --timeout 5s \
      -s "$HERE/scim.lua" "http://127.0.0.1:$port" \
      -- "$workload" "$users_tsv" "$groups_tsv" "$TOKEN" "$RUN_ID" $((k * 100000000)) 2>&1 \
      && times)"; then
    printf '%s\n' "$out" >"$OUT/wrk-$name-$k.log"
    die "wrk failed for $name (see $OUT/wrk-$name-$k.log)"
  fi
  after="$(cpu_ticks "$pid")"
  sys_after="$(machine_ticks)"
  printf '%s\n' "$out" >"$OUT/wrk-$name-$k.log"
  line="$(grep '^RESULT ' <<<"$out" | tail -1)" || die "no RESULT from wrk for $name"
  local -A r=()
  local kv
  for kv in ${line#RESULT }; do r[${kv%%=*}]=${kv#*=}; done
  (( r[requests] > 0 )) || die "wrk completed no request for $name"
  # wrk's CPU: the last line of `times` is "XmY.YYYs XmY.YYYs" (user, system) of children.
  local wrk_s
  wrk_s="$(tail -1 <<<"$out" | awk '{ t = 0; for (i = 1; i <= 2; i++) { split($i, a, "m"); sub("s", "", a[2]); t += a[1] * 60 + a[2] } print t }')"
  read -r b0 t0 <<<"$sys_before"
  read -r b1 t1 <<<"$sys_after"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "${r[requests]}" "${r[duration_us]}" \
    "${r[non2xx]}" "${r[errors]}" $((after - before)) "$wrk_s" $((b1 - b0)) $((t1 - t0)) \
    >>"$OUT/slices-$name.tsv"
}

# finish NAME: NAME's figures over all its slices; latency percentiles from the merged
# quantiles (each slice's 1000 quantiles weighted by its request count).
finish() {
  local name=$1 line
  line="$(python3 - "$OUT" "$name" "$CLK_TCK" <<'PY'
import glob, sys
out, name, hz = sys.argv[1], sys.argv[2], float(sys.argv[3])
rows = [list(map(float, l.split("\t"))) for l in open(f"{out}/slices-{name}.tsv")]
req, dur, non2xx, errs, srv, wrk, busy, total = (sum(c) for c in zip(*rows))
points = []
for path in glob.glob(f"{out}/q-{name}-*.txt"):
    lines = open(path).read().split()
    n, values = float(lines[0]), [float(v) for v in lines[1:]]
    points += [(v, n / len(values)) for v in values]
points.sort()
def pct(p):
    goal, acc = p / 100 * sum(w for _, w in points), 0.0
    for v, w in points:
        acc += w
        if acc >= goal - 1e-9:
            return v
    return points[-1][0]
other = max(0.0, (busy - srv - wrk * hz) / total * 100) if total else 0.0
print(f"{req / (dur / 1e6):.0f} {pct(50) / 1000:.2f} {pct(99) / 1000:.2f} "
      f"{srv / hz * 1e6 / req:.1f} {wrk * 1e6 / req:.1f} {other:.0f} {non2xx:.0f} {errs:.0f}")
PY
)" || die "could not sum up $name"
  local rps p50 p99 cpu wrk other non2xx errs
  read -r rps p50 p99 cpu wrk other non2xx errs <<<"$line"
  RPS[$name]=$rps P50[$name]=$p50 P99[$name]=$p99 CPU[$name]=$cpu WRK_CPU[$name]=$wrk
  OTHER[$name]=$other NON2XX[$name]=$non2xx ERRS[$name]=$errs
  log "$name: ${RPS[$name]} req/s, p50 ${P50[$name]} ms, p99 ${P99[$name]} ms, server ${CPU[$name]} µs CPU/req, wrk ${WRK_CPU[$name]} µs CPU/req, other load ${OTHER[$name]}%, ${NON2XX[$name]} non-2xx, ${ERRS[$name]} socket errors (${SLICES[$name]} slice(s))"
}

# --- 3. the servers: the SCIM example per store, seeded, and the baseline -----------------
# All run for the whole test (an idle server costs nothing) so that each GET is measured on
# every server in turn: slow drifts of the machine hit all alike.
PG_URL=""
if [[ " $BACKENDS " == *" postgres "* ]]; then
  if [[ -n "${DATABASE_URL:-}" ]]; then
    PG_URL="$DATABASE_URL"
    log "postgres: using DATABASE_URL (it must name an empty database)"
  else
    log "postgres: starting a throwaway cluster (.ci/postgres.sh)"
    # shellcheck source=../../.ci/postgres.sh
    source "$ROOT/.ci/postgres.sh"
    PG_STARTED=1
    pg_start >"$OUT/postgres.log" 2>&1 || die "could not start PostgreSQL (see $OUT/postgres.log)"
    PG_URL="$DATABASE_URL"
  fi
fi
for b in "${STORES[@]}"; do
  case $b in
    memory) db=memory ;;
    sqlite) db="sqlite://$OUT/scim-load.db" ;;
    postgres) db="$PG_URL" ;;
  esac
  port="$(free_port)"
  log "starting scim-example-axum on 127.0.0.1:$port with the $b store (RUST_LOG=$SCIM_LOG)"
  SCIM_TOKEN="$TOKEN" RUST_LOG="$SCIM_LOG" "$SCIM_BIN" --listen "127.0.0.1:$port" \
    --database "$db" >"$OUT/scim-example-$b.log" 2>&1 &
  SRV_PID[$b]=$!
  SRV_PORT[$b]=$port
  wait_ready "${SRV_PID[$b]}" "$port"
  log "$b: seeding $USERS users and $GROUPS_N groups"
  python3 "$HERE/seed.py" --url "http://127.0.0.1:$port/scim/v2" --token "$TOKEN" \
    --users "$USERS" --groups "$GROUPS_N" --members 20 --workers 4 --deadline 300 \
    --out-dir "$OUT/data-$b" >"$OUT/seed-$b.log" 2>&1 \
    || die "seeding failed (see $OUT/seed-$b.log)"
  log "$b: $(cat "$OUT/seed-$b.log")"
  SEEDED_RSS[$b]="$(rss_kib "${SRV_PID[$b]}")"
done

BASE_PORT="$(free_port)"
log "starting scim-example-baseline on 127.0.0.1:$BASE_PORT with $USERS users"
SCIM_TOKEN="$TOKEN" "$BASE_BIN" --listen "127.0.0.1:$BASE_PORT" --users "$USERS" \
  --ids-out "$OUT/baseline-users.tsv" >"$OUT/baseline.log" 2>&1 &
BASE_PID=$!
wait_ready "$BASE_PID" "$BASE_PORT"

# --- 4. workloads: the two GETs paired with the baseline, then the rest ----------------------
# The GET pairs run in ROUNDS alternating slices (example, baseline, baseline, example, ...),
# DURATION seconds per server in all, so that a burst of other load hits both alike.
SLICE_S=$((DURATION / ROUNDS))
(( SLICE_S >= 1 )) || SLICE_S=1
ROUNDS=$((DURATION / SLICE_S))
# run TARGET WORKLOAD SECONDS: one slice on TARGET (a store in BACKENDS, or "baseline").
run() {
  local t=$1 w=$2
  if [[ $t == baseline ]]; then
    slice "baseline_$w" "$w" "$BASE_PID" "$BASE_PORT" "$OUT/baseline-users.tsv" - "$3"
  else
    slice "${t}_$w" "$w" "${SRV_PID[$t]}" "${SRV_PORT[$t]}" "$OUT/data-$t/users.tsv" \
      "$OUT/data-$t/groups.tsv" "$3"
  fi
}
TARGETS=("${STORES[@]}" baseline)
for w in lookup get_id; do
  log "$w: $ROUNDS rounds of ${SLICE_S}s on ${TARGETS[*]} (wrk -t$THREADS -c$CONNS)"
  for ((round = 0; round < ROUNDS; round++)); do
    order=("${TARGETS[@]}")
    if ((round % 2 == 1)); then
      order=()
      for ((i = ${#TARGETS[@]} - 1; i >= 0; i--)); do order+=("${TARGETS[$i]}"); done
    fi
    for t in "${order[@]}"; do run "$t" "$w" "$SLICE_S"; done
  done
  for t in "${TARGETS[@]}"; do finish "${t}_$w"; done
done
WORKLOADS=(lookup get_id page patch_user group_add post_user)
# The writes come last, and POST /Users last of all (it adds users to the store).
for b in "${STORES[@]}"; do
  for w in page patch_user group_add post_user; do
    log "$b $w: wrk -t$THREADS -c$CONNS -d${DURATION}s"
    run "$b" "$w" "$DURATION"
    finish "${b}_$w"
  done
  FINAL_RSS[$b]="$(rss_kib "${SRV_PID[$b]}")"
done
stop_all

# --- 6. the table -------------------------------------------------------------------------
pct() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f", a * 100 / b }'; }
{
  echo "wrk -t$THREADS -c$CONNS -d${DURATION}s per workload, $USERS users / $GROUPS_N groups, stores: $BACKENDS, $(nproc) cores shared by client and server, RUST_LOG=$SCIM_LOG; source $TREE"
  echo
  echo "| workload | store | req/s | p50 ms | p99 ms | CPU µs/req | non-2xx / socket errors | % of memory | % of baseline | wrk µs/req | other load |"
  echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  declare -A LABEL=(
    [lookup]='GET /Users?filter=userName eq "x"'
    [get_id]='GET /Users/{id}'
    [page]='GET /Users?startIndex=N&count=100'
    [patch_user]='PATCH /Users/{id} (replace displayName)'
    [group_add]='PATCH /Groups/{id} (add 1 member)'
    [post_user]='POST /Users'
  )
  for w in "${WORKLOADS[@]}"; do
    targets=("${STORES[@]}")
    case $w in lookup | get_id) targets+=(baseline) ;; esac
    for t in "${targets[@]}"; do
      n="${t}_$w" pm="" pb=""
      if ((has_memory)) && [[ $t != baseline ]]; then pm="$(pct "${RPS[$n]}" "${RPS[memory_$w]}")%"; fi
      case $w in lookup | get_id) pb="$(pct "${RPS[$n]}" "${RPS[baseline_$w]}")%" ;; esac
      echo "| \`${LABEL[$w]}\` | $t | ${RPS[$n]} | ${P50[$n]} | ${P99[$n]} | ${CPU[$n]} | ${NON2XX[$n]} / ${ERRS[$n]} | $pm | $pb | ${WRK_CPU[$n]} | ${OTHER[$n]}% |"
    done
  done
  echo
  for b in "${STORES[@]}"; do
    echo "- $b: SCIM example VmRSS $((SEEDED_RSS[$b] / 1024)) MiB after seeding, $((FINAL_RSS[$b] / 1024)) MiB after the workloads."
  done
  echo
  verdict=PASS
  for b in "${STORES[@]}"; do
    for w in lookup get_id; do
      if [[ $b == memory ]]; then
        p="$(pct "${RPS[memory_$w]}" "${RPS[baseline_$w]}")"
        if (( p < TARGET_PCT )); then verdict=FAIL; fi
        echo "- memory $w: $p% of the baseline's req/s (target ≥ $TARGET_PCT%); server CPU ${CPU[memory_$w]} µs/req vs the baseline's ${CPU[baseline_$w]} µs/req"
      elif ((has_memory)); then
        p="$(pct "${RPS[${b}_$w]}" "${RPS[memory_$w]}")"
        if (( p < STORE_TARGET[$b] )); then verdict=FAIL; fi
        echo "- $b $w: $p% of the memory store's req/s (target ≥ ${STORE_TARGET[$b]}%); server CPU ${CPU[${b}_$w]} µs/req vs the memory store's ${CPU[memory_$w]} µs/req"
      fi
    done
  done
  echo
  echo "targets (memory ≥ $TARGET_PCT% of baseline; sqlite ≥ ${STORE_TARGET[sqlite]}%, postgres ≥ ${STORE_TARGET[postgres]}% of memory; lookup and GET by id): $verdict"
  busy=0
  for n in "${!OTHER[@]}"; do
    if (( ${OTHER[$n]} > 10 )); then busy=1; fi
  done
  if (( busy )); then
    echo
    echo "WARNING: other processes used more than 10% of the machine during some runs (column 'other load'); req/s and latencies are then understated: rerun on a quiet machine."
  fi
} | tee "$OUT/results.md"
log "done in $((SECONDS - started_at)) s; logs and data in $OUT"

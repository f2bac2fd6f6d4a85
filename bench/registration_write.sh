#!/usr/bin/env bash
# registration_write.sh: durable-registration benchmark (POST /api/events/{id}/registrations).
#
# Measures, in the same run and in the same directory (so on the same disk):
#   * Congress: durable registrations/s through the HTTP API with wrk at 200
#     concurrent clients, every request a new delegate (unique email), each answered
#     only after its commit (WAL, synchronous=FULL, group commit by the single writer);
#   * bare SQLite (bench/sqlite_bare.cpp): single-row transactions/s with WAL and
#     synchronous=FULL in a plain C++ loop, one commit (one fsync) per row.
# Reports both, the ratio congress/bare and PASS/FAIL against the targets
# (ratio >= 5, congress p99 < 50 ms). After each Congress run the server is stopped and
# the database is checked with the sqlite3 CLI: every 201 must be a row on disk.
# Exits 0 whatever the figures are (it is a benchmark, not a test) unless something
# broke; BENCH_STRICT=1 makes a missed target exit 3.
#
# See bench/README.md. Options (each also settable by the environment variable named):
#   --bin PATH           CONGRESS_BIN   congress binary (default build/release/congress,
#                                       relative paths are taken from the repo root)
#   --dir DIR            BENCH_DIR      directory on the disk to measure; a fresh temp dir is
#                                       made inside it (default: the repo's build/ directory)
#   -c, --connections N  CONNECTIONS    wrk connections = concurrent clients (default 200)
#   -d, --duration D     DURATION       measured run length, wrk syntax: 10s, 1m (default 10s);
#                                       the bare SQLite loop runs as long
#   --warmup D           WARMUP         warm-up per run, not counted: wrk against each fresh
#                                       server, the same loop for bare SQLite (default 2s, 0 = none)
#   --rounds N           ROUNDS         rounds, each one bare run and one Congress run, in
#                                       the order bare/congress, congress/bare, ... (default 3)
#   --threads N          THREADS        server network threads (default 2)
#   --wrk-threads N      WRK_THREADS    wrk threads (default 1)
#   --server-cpus LIST   SERVER_CPUS    taskset core list for the server and the bare loop
#                                       (default: first allowed core)
#   --wrk-cpus LIST      WRK_CPUS       taskset core list for wrk (default: last allowed core)
#   --no-pin             PIN=0          do not pin (PIN=1 forces pinning, default auto: pin
#                                       when at least 2 cores are available)
#   --random-emails      EMAIL_ORDER=random  every address starts with 8 random hex digits, so
#                                       each insert lands on its own page of the unique index
#                                       on (event, email), as real delegates' addresses do
#                                       (default: sequential, r<run>-t<thread>-<n>@...)
# Other environment: BENCH_BUILD_DIR (default build/bench), TARGET_RATIO (5), TARGET_P99_MS (50),
# WRK_TIMEOUT (30s), FSYNC_COUNT (auto: count the server's fsyncs with perf if it works; 0 = off),
# BENCH_STRICT (0), KEEP_TMP (0), EVENT_SLUG (hyderabad-2014).

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SCRIPT_NAME=registration_write
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"

CONGRESS_BIN=${CONGRESS_BIN:-build/release/congress}
BENCH_DIR=${BENCH_DIR:-$ROOT/build}
CONNECTIONS=${CONNECTIONS:-200}
DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-2s}
ROUNDS=${ROUNDS:-3}
THREADS=${THREADS:-2}
WRK_THREADS=${WRK_THREADS:-1}
SERVER_CPUS=${SERVER_CPUS:-}
WRK_CPUS=${WRK_CPUS:-}
PIN=${PIN:-auto}
BENCH_BUILD_DIR=${BENCH_BUILD_DIR:-$ROOT/build/bench}
TARGET_RATIO=${TARGET_RATIO:-5}
TARGET_P99_MS=${TARGET_P99_MS:-50}
WRK_TIMEOUT=${WRK_TIMEOUT:-30s}
BENCH_STRICT=${BENCH_STRICT:-0}
KEEP_TMP=${KEEP_TMP:-0}
EVENT_SLUG=${EVENT_SLUG:-hyderabad-2014}
EMAIL_ORDER=${EMAIL_ORDER:-sequential}



while (($#)); do
    case $1 in
        --bin) CONGRESS_BIN=$2; shift 2 ;;
        --dir) BENCH_DIR=$2; shift 2 ;;
        -c|--connections) CONNECTIONS=$2; shift 2 ;;
        -d|--duration) DURATION=$2; shift 2 ;;
        --warmup) WARMUP=$2; shift 2 ;;
        --rounds) ROUNDS=$2; shift 2 ;;
        --threads) THREADS=$2; shift 2 ;;
        --wrk-threads) WRK_THREADS=$2; shift 2 ;;
        --server-cpus) SERVER_CPUS=$2; shift 2 ;;
        --wrk-cpus) WRK_CPUS=$2; shift 2 ;;
        --no-pin) PIN=0; shift ;;
        --random-emails) EMAIL_ORDER=random; shift ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; die "unknown argument: $1" ;;
    esac
done

# seconds D: a wrk duration (10, 10s, 2m, 1h) in seconds.
seconds() {
    case $1 in
        *[0-9]s) echo "${1%s}" ;;
        *[0-9]m) echo $((${1%m} * 60)) ;;
        *[0-9]h) echo $((${1%h} * 3600)) ;;
        *) echo "$1" ;;
    esac
}
is_uint "$CONNECTIONS" && ((CONNECTIONS > 0)) || die "bad connections: $CONNECTIONS"
is_uint "$ROUNDS" && ((ROUNDS > 0)) || die "bad rounds: $ROUNDS"
is_uint "$THREADS" && ((THREADS > 0)) || die "bad threads: $THREADS"
is_uint "$WRK_THREADS" && ((WRK_THREADS > 0)) || die "bad wrk threads: $WRK_THREADS"
((CONNECTIONS >= WRK_THREADS)) || die "wrk needs connections >= threads"
DURATION_S=$(seconds "$DURATION")
is_uint "$DURATION_S" && ((DURATION_S > 0)) || die "bad duration: $DURATION (use 10s, 1m, ...)"
WARMUP_S=$(seconds "$WARMUP")
is_uint "$WARMUP_S" || die "bad warm-up: $WARMUP (use 0, 2s, ...)"
[[ $EMAIL_ORDER == sequential || $EMAIL_ORDER == random ]] || die "bad EMAIL_ORDER: $EMAIL_ORDER (sequential or random)"
[[ $CONGRESS_BIN = /* ]] || CONGRESS_BIN=$ROOT/$CONGRESS_BIN
[[ -x $CONGRESS_BIN ]] || die "congress binary not found: $CONGRESS_BIN (build it or set CONGRESS_BIN)"
mkdir -p "$BENCH_DIR" || die "cannot create $BENCH_DIR"

# --- dependencies: check first, install only what is missing -----------------
missing=()
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
command -v g++ >/dev/null 2>&1 || missing+=(g++)
pkg_installed libsqlite3-dev || missing+=(libsqlite3-dev)
command -v sqlite3 >/dev/null 2>&1 || missing+=(sqlite3)
command -v curl >/dev/null 2>&1 || missing+=(curl)
command -v jq >/dev/null 2>&1 || missing+=(jq)
command -v taskset >/dev/null 2>&1 || missing+=(util-linux)
if ((${#missing[@]})); then
    log "installing missing packages: ${missing[*]}"
    SUDO=()
    (($(id -u) == 0)) || SUDO=(sudo)
    export DEBIAN_FRONTEND=noninteractive
    "${SUDO[@]}" apt-get install -y --no-install-recommends "${missing[@]}" ||
        { "${SUDO[@]}" apt-get update && "${SUDO[@]}" apt-get install -y --no-install-recommends "${missing[@]}"; } ||
        die "could not install ${missing[*]}"
fi

# --- build the bare SQLite loop (only when the source is newer) ----------------
BARE_SRC=$ROOT/bench/sqlite_bare.cpp
BARE_BIN=$BENCH_BUILD_DIR/sqlite_bare
LUA=$ROOT/bench/registration.lua
[[ -f $LUA ]] || die "missing $LUA"
mkdir -p "$BENCH_BUILD_DIR"
if [[ ! -x $BARE_BIN || $BARE_SRC -nt $BARE_BIN ]]; then
    log "building $BARE_BIN"
    g++ -O2 -std=c++20 "$BARE_SRC" -o "$BARE_BIN.tmp" -lsqlite3 || die "sqlite_bare build failed"
    mv -f "$BARE_BIN.tmp" "$BARE_BIN"
fi

# --- pinning -------------------------------------------------------------------
# Expand this shell's allowed cores ("0-3,6" style) into a list.
mapfile -t CPUS < <(allowed_cpus)
if [[ $PIN == auto ]]; then
    if ((${#CPUS[@]} >= 2)); then PIN=1; else PIN=0; fi
fi
SERVER_PIN=() WRK_PIN=()
if [[ $PIN == 1 ]]; then
    SERVER_CPUS=${SERVER_CPUS:-${CPUS[0]}}
    WRK_CPUS=${WRK_CPUS:-${CPUS[${#CPUS[@]}-1]}}
    SERVER_PIN=(taskset -c "$SERVER_CPUS")
    WRK_PIN=(taskset -c "$WRK_CPUS")
    PIN_DESC="server and bare loop on cpu $SERVER_CPUS, wrk on cpu $WRK_CPUS"
else
    PIN_DESC="not pinned"
fi

# --- temp dir on the measured disk, processes, cleanup -----------------------------
TMP=$(mktemp -d "$BENCH_DIR/congress-write-bench.XXXXXX")
TMP=$(cd "$TMP" && pwd)
RUN_TAG=$(date +%s)$$
PIDS=()
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

DISK_DESC=$(df -PT "$TMP" | awk 'NR == 2 { printf "%s (%s) mounted on %s", $1, $2, $7 }')


# field FILE PREFIX NAME: a value from the "PREFIX ... NAME=value" line of FILE.
field() { sed -n "s/^$2 .*\\b$3=\\([0-9.]*\\).*/\\1/p" "$1" | head -n 1; }

# --- one bare SQLite run -------------------------------------------------------------
# run_bare N: appends to B_TPS, B_P50, B_P99 (microseconds) and B_TX.
B_TPS=() B_P50=() B_P99=() B_TX=()
run_bare() {
    local n=$1 out=$TMP/bare-$1.out
    log "round $n/$ROUNDS: bare sqlite ${DURATION_S}s"
    "${SERVER_PIN[@]}" "$BARE_BIN" --db "$TMP/bare.db" --duration "$DURATION_S" --warmup "$WARMUP_S" \
        >"$out" 2>&1 || { cat "$out" >&2; die "sqlite_bare failed"; }
    grep -q '^BARE_RESULT ' "$out" || { cat "$out" >&2; die "no result from sqlite_bare"; }
    B_TPS+=("$(field "$out" BARE_RESULT tps)")
    B_P50+=("$(field "$out" BARE_RESULT p50_us)")
    B_P99+=("$(field "$out" BARE_RESULT p99_us)")
    B_TX+=("$(field "$out" BARE_RESULT tx)")
}

# --- one Congress run: fresh database, fresh server, warm-up, measured wrk run, check ---
# run_wrk OUT DURATION URL RUN_ID [CPU_FILE]: CPU_FILE gets wrk's own "user sys" seconds, to
# show whether the client (one core, a Lua callback per response) could be the limit.
run_wrk() {
    local out=$1 dur=$2 url=$3 id=$4 cpu_file=${5:-/dev/null} TIMEFORMAT='%U %S'
    { time "${WRK_PIN[@]}" wrk -t "$WRK_THREADS" -c "$CONNECTIONS" -d "$dur" --timeout "$WRK_TIMEOUT" --latency \
        -s "$LUA" "$url" -- "$id" "$REQ_PATH" "$EMAIL_ORDER" >"$out" 2>&1; } 2>"$cpu_file" || { cat "$out" >&2; die "wrk failed against $url"; }
    grep -q '^WRK_RESULT ' "$out" || { cat "$out" >&2; die "no result from wrk against $url"; }
}

# thread_sched PID: "tid run_ns runqueue_wait_ns" per thread of PID so far (/proc/.../schedstat).
thread_sched() {
    local t
    for t in /proc/"$1"/task/*; do
        [[ -r $t/schedstat ]] || continue
        printf '%s %s\n' "${t##*/}" "$(awk '{ print $1, $2 }' "$t/schedstat" 2>/dev/null)"
    done
}
# sched_delta BEFORE AFTER: "total_cpu_s busiest_thread_cpu_s busiest_thread_runqueue_wait_s"
# between two snapshots. The busiest thread under this load is the database writer.
sched_delta() {
    awk 'NR == FNR { r[$1] = $2; w[$1] = $3; next }
         { d = $2 - ($1 in r ? r[$1] : 0); s += d; if (d > m) { m = d; mw = $3 - ($1 in w ? w[$1] : 0) } }
         END { printf "%.2f %.2f %.2f", s / 1e9, m / 1e9, mw / 1e9 }' "$1" "$2"
}

# fsync_counter_start PID OUT: counts the server's fsync/fdatasync calls with perf (when
# FSYNC_COUNT allows and perf works); sets FSYNC_PERF_PID, or leaves it empty.
FSYNC_COUNT=${FSYNC_COUNT:-auto}
FSYNC_PERF_PID=
fsync_counter_start() {
    FSYNC_PERF_PID=
    [[ $FSYNC_COUNT != 0 ]] && command -v perf >/dev/null 2>&1 || return 0
    perf stat -x, -o "$2" -e syscalls:sys_enter_fdatasync,syscalls:sys_enter_fsync -p "$1" >/dev/null 2>&1 &
    FSYNC_PERF_PID=$!
    PIDS+=("$FSYNC_PERF_PID")
    sleep 0.3
    kill -0 "$FSYNC_PERF_PID" 2>/dev/null || FSYNC_PERF_PID=
}
# fsync_counter_stop OUT: sets FSYNCS to the count, or "-" when there is none. Runs in the
# main shell (not in $(...)), so that it can wait for perf to write OUT.
fsync_counter_stop() {
    FSYNCS=-
    [[ -n $FSYNC_PERF_PID ]] || return 0
    kill -INT "$FSYNC_PERF_PID" 2>/dev/null || true
    wait "$FSYNC_PERF_PID" 2>/dev/null || true
    FSYNCS=$(awk -F, '/syscalls:sys_enter_f/ && $1 ~ /^[0-9]+$/ { s += $1; k++ } END { if (k) print s; else print "-" }' "$1" 2>/dev/null) || FSYNCS=-
    local left=() i
    for i in "${PIDS[@]}"; do [[ $i == "$FSYNC_PERF_PID" ]] || left+=("$i"); done
    PIDS=("${left[@]}")
    FSYNC_PERF_PID=
}

C_RPS=() C_P50=() C_P99=() C_CREATED=() C_NON201=() C_SOCKERR=() C_DBROWS=() C_CPU=() C_BUSY=() C_WAIT=() C_FSYNC=() C_WRKCPU=()
C_TIMELINE=() C_STATUS=() C_LOGLINES=()
VERIFY_FAIL=0
run_congress() {
    local n=$1 db=$TMP/congress-$1.db logf=$TMP/congress-$1.log pf=$TMP/congress-$1.port
    local pid port base ok i out=$TMP/congress-$1.out id=${RUN_TAG}m$1 cpu rows quick

    "$CONGRESS_BIN" migrate --db "$db" >"$TMP/setup-$n.log" 2>&1 || { cat "$TMP/setup-$n.log" >&2; die "migrate failed"; }
    "$CONGRESS_BIN" demo-load --db "$db" >>"$TMP/setup-$n.log" 2>&1 || { cat "$TMP/setup-$n.log" >&2; die "demo-load failed"; }
    "${SERVER_PIN[@]}" "$CONGRESS_BIN" serve --db "$db" --address 127.0.0.1 --port 0 \
        --port-file "$pf" --web-root "$ROOT/web" --threads "$THREADS" \
        --log-level warn >"$logf" 2>&1 &
    pid=$!
    PIDS+=("$pid")
    port=$(wait_port "$pid" "$pf" congress "$logf")
    base=http://127.0.0.1:$port
    ok=0
    for i in $(seq 100); do
        if curl -fsS --max-time 2 -o /dev/null "$base/api/health" 2>/dev/null; then ok=1; break; fi
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    ((ok)) || { tail -n 20 "$logf" >&2; die "congress /api/health did not answer"; }

    curl -fsS --max-time 5 "$base/api/events" >"$TMP/events-$n.json" || die "GET /api/events failed"
    EVENT_ID=$(jq -r --arg slug "$EVENT_SLUG" \
        '(if type == "object" then .events else . end)[] | select(.slug == $slug) | .id' \
        "$TMP/events-$n.json" | head -n 1) || die "cannot parse GET /api/events"
    [[ -n $EVENT_ID && $EVENT_ID != null ]] || die "no event with slug $EVENT_SLUG in GET /api/events"
    EVENT_CAPACITY=$(jq -r --arg slug "$EVENT_SLUG" \
        '(if type == "object" then .events else . end)[] | select(.slug == $slug) | .capacity' "$TMP/events-$n.json" | head -n 1)
    REQ_PATH=/api/events/$EVENT_ID/registrations

    # One request by hand first: a clear error beats a wrk run full of 4xx.
    local probe
    probe=$(curl -sS --max-time 5 -o "$TMP/probe-$n.json" -w '%{http_code}' -X POST \
        -H 'Content-Type: application/json' \
        -d "{\"name\":\"Bench Probe\",\"email\":\"probe-${RUN_TAG}-$n@bench.example.org\"}" "$base$REQ_PATH") ||
        die "POST $REQ_PATH failed"
    [[ $probe == 201 ]] || die "POST $REQ_PATH answered $probe: $(head -c 300 "$TMP/probe-$n.json")"

    if ((WARMUP_S > 0)); then
        log "round $n/$ROUNDS: congress warm-up $WARMUP"
        run_wrk "$TMP/congress-$n-warm.out" "$WARMUP" "$base" "${RUN_TAG}w$n"
        sleep 0.5   # let the requests wrk cut off at the end commit before measuring
    fi

    log "round $n/$ROUNDS: congress $DURATION, $CONNECTIONS clients"
    fsync_counter_start "$pid" "$TMP/fsync-$n.perf"
    thread_sched "$pid" >"$TMP/sched-$n.before"
    run_wrk "$out" "$DURATION" "$base" "$id" "$TMP/wrk-cpu-$n"
    thread_sched "$pid" >"$TMP/sched-$n.after"
    fsync_counter_stop "$TMP/fsync-$n.perf"
    cpu=$(sched_delta "$TMP/sched-$n.before" "$TMP/sched-$n.after")
    kill -0 "$pid" 2>/dev/null || { tail -n 20 "$logf" >&2; die "congress died during the run"; }

    # Stop the server (SIGTERM: it drains the writer queue), then read what is on disk.
    stop_pid "$pid"
    local left=()
    for i in "${PIDS[@]}"; do [[ $i == "$pid" ]] || left+=("$i"); done
    PIDS=("${left[@]}")

    rows=$(sqlite3 "$db" "SELECT count(*) FROM registrations WHERE event_id = $EVENT_ID AND email LIKE '%r${id}-t%' AND status IN ('confirmed', 'waitlisted');") ||
        die "sqlite3 could not read $db"
    quick=$(sqlite3 "$db" "PRAGMA quick_check;" | head -n 1)
    [[ $quick == ok ]] || { log "quick_check of $db: $quick"; VERIFY_FAIL=1; }

    local created elapsed
    created=$(field "$out" WRK_RESULT created)
    elapsed=$(field "$out" WRK_RESULT duration_us)
    C_CREATED+=("$created")
    C_NON201+=("$(field "$out" WRK_RESULT non201)")
    C_SOCKERR+=("$(awk -v a="$(field "$out" WRK_RESULT connect_errors)" -v b="$(field "$out" WRK_RESULT read_errors)" \
        -v c="$(field "$out" WRK_RESULT write_errors)" -v d="$(field "$out" WRK_RESULT timeouts)" 'BEGIN { print a + b + c + d }')")
    # Registrations/s counts 201s only: a run full of errors cannot look fast.
    C_RPS+=("$(awk -v n="$created" -v d="$elapsed" 'BEGIN { printf "%.1f", n / (d / 1e6) }')")
    C_P50+=("$(field "$out" WRK_RESULT p50_us)")
    C_P99+=("$(field "$out" WRK_RESULT p99_us)")
    C_DBROWS+=("$rows")
    read -r c1 c2 c3 <<<"$cpu"
    C_CPU+=("$c1")
    C_WRKCPU+=("$(awk '{ printf "%.2f", $1 + $2 }' "$TMP/wrk-cpu-$n" 2>/dev/null || echo -)")
    C_BUSY+=("$c2")
    C_WAIT+=("$c3")
    C_FSYNC+=("$FSYNCS")
    C_TIMELINE+=("$(sed -n 's/^WRK_TIMELINE //p' "$out")")
    C_STATUS+=("$(sed -n 's/^WRK_STATUS //p' "$out")")
    C_LOGLINES+=("$(grep -c . "$logf" || true)")
    if ((rows < created)); then
        log "round $n: only $rows rows on disk for $created 201 answers"
        VERIFY_FAIL=1
    fi
    if ((rows - created > CONNECTIONS)); then
        log "round $n: $((rows - created)) more rows than 201s, more than the $CONNECTIONS requests that can be in flight"
        VERIFY_FAIL=1
    fi
}

# --- the rounds ------------------------------------------------------------------------
LOAD_BEFORE=$(uptime_load)
for ((r = 1; r <= ROUNDS; r++)); do
    # bare/congress in odd rounds, congress/bare in even rounds (ABBA), so a machine or a
    # disk that speeds up or slows down during the run favours neither side.
    if ((r % 2)); then
        run_bare "$r"
        run_congress "$r"
    else
        run_congress "$r"
        run_bare "$r"
    fi
done
LOAD_AFTER=$(uptime_load)

# median_index VALUES...: index of the median (the lower middle for an even count).
median_index() {
    local n=$# i=0 v
    for v in "$@"; do
        printf '%s %d\n' "$v" "$i"
        i=$((i + 1))
    done | sort -g | awk -v n="$n" 'NR == int((n + 1) / 2) { print $2 }'
}
ci=$(median_index "${C_RPS[@]}")
bi=$(median_index "${B_TPS[@]}")

RATIO=$(awk -v a="${C_RPS[$ci]}" -v b="${B_TPS[$bi]}" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
RATIO_OK=$(awk -v r="$RATIO" -v t="$TARGET_RATIO" 'BEGIN { print (r >= t ? "PASS" : "FAIL") }')
P99_OK=$(awk -v p="${C_P99[$ci]}" -v t="$TARGET_P99_MS" 'BEGIN { print (p / 1000 < t ? "PASS" : "FAIL") }')
NON201_TOTAL=0 SOCKERR_TOTAL=0
for ((i = 0; i < ROUNDS; i++)); do
    NON201_TOTAL=$((NON201_TOTAL + ${C_NON201[$i]%.*}))
    SOCKERR_TOTAL=$((SOCKERR_TOTAL + ${C_SOCKERR[$i]%.*}))
done
# A run with failed requests, or a 201 not on disk, cannot pass.
if ((NON201_TOTAL > 0 || SOCKERR_TOTAL > 0 || VERIFY_FAIL)); then RATIO_OK=FAIL P99_OK=FAIL; fi
VERIFY=$( ((VERIFY_FAIL)) && echo FAIL || echo PASS)

{
    echo
    echo "Durable-registration benchmark: POST $REQ_PATH (event $EVENT_SLUG, id $EVENT_ID, capacity $EVENT_CAPACITY, then waiting list)"
    echo "disk: $DISK_DESC; databases in $TMP"
    echo "congress: wrk -t$WRK_THREADS -c$CONNECTIONS -d$DURATION --latency, fresh database and server per round, warm-up $WARMUP, server threads $THREADS, $EMAIL_ORDER emails"
    echo "bare sqlite: single-row INSERT transactions, WAL, synchronous=FULL, ${DURATION_S}s after ${WARMUP_S}s warm-up"
    echo "$ROUNDS round(s) interleaved (bare/congress, congress/bare, ...), $PIN_DESC"
    echo "load average before: $LOAD_BEFORE; after: $LOAD_AFTER"
    echo
    echo "per round (rates per second; latencies in ms):"
    printf '  %-6s %10s %9s %9s %13s %9s %9s %8s %8s\n' \
        round "bare tx/s" "bare p50" "bare p99" "congress reg/s" "p50" "p99" non-201 ratio
    for ((i = 0; i < ROUNDS; i++)); do
        printf '  %-6s %10.1f %9s %9s %13.1f %9s %9s %8s %8s\n' $((i + 1)) "${B_TPS[$i]}" "$(ms "${B_P50[$i]}")" \
            "$(ms "${B_P99[$i]}")" "${C_RPS[$i]}" "$(ms "${C_P50[$i]}")" "$(ms "${C_P99[$i]}")" \
            "$((${C_NON201[$i]%.*} + ${C_SOCKERR[$i]%.*}))" \
            "$(awk -v a="${C_RPS[$i]}" -v b="${B_TPS[$i]}" 'BEGIN { printf "%.2f", a / b }')"
    done
    echo
    echo "congress, per round: 201s seen by wrk, the run's rows on disk after the server stopped,"
    echo "fsync+fdatasync calls of the server during the run (perf; - if unavailable), CPU seconds"
    echo "of the whole server and of its busiest thread (the writer), and that thread's seconds"
    echo "spent runnable but waiting for a CPU (other processes on its core); then the same CPU"
    echo "per 201 in microseconds, and wrk's own CPU seconds (its core is the limit near ${DURATION_S}):"
    printf '  %-6s %9s %9s %8s %11s %11s %11s %11s %9s %9s %8s\n' round "201 seen" "on disk" fsyncs "rows/fsync" \
        "server cpu" "writer cpu" "writer wait" "us/reg" "writer" "wrk cpu"
    for ((i = 0; i < ROUNDS; i++)); do
        printf '  %-6s %9s %9s %8s %11s %11s %11s %11s %9s %9s %8s\n' $((i + 1)) "${C_CREATED[$i]}" "${C_DBROWS[$i]}" "${C_FSYNC[$i]}" \
            "$(awk -v r="${C_DBROWS[$i]}" -v f="${C_FSYNC[$i]}" 'BEGIN { if (f + 0 > 0) printf "%.1f", r / f; else print "-" }')" \
            "${C_CPU[$i]}" "${C_BUSY[$i]}" "${C_WAIT[$i]}" \
            "$(awk -v c="${C_CPU[$i]}" -v n="${C_CREATED[$i]}" 'BEGIN { if (n + 0 > 0) printf "%.1f", c / n * 1e6; else print "-" }')" \
            "$(awk -v c="${C_BUSY[$i]}" -v n="${C_CREATED[$i]}" 'BEGIN { if (n + 0 > 0) printf "%.1f", c / n * 1e6; else print "-" }')" \
            "${C_WRKCPU[$i]}"
    done
    echo
    echo "congress 201s per wall-clock second (first and last partial):"
    for ((i = 0; i < ROUNDS; i++)); do
        echo "  round $((i + 1)): ${C_TIMELINE[$i]}"
    done
    echo "congress statuses: $(for ((i = 0; i < ROUNDS; i++)); do printf '[round %d: %s] ' $((i + 1)) "${C_STATUS[$i]}"; done)"
    echo
    echo "median run of each side by rate (ratio = median/median):"
    printf '  %-22s %12s %10s %10s\n' "" "per second" "p50 ms" "p99 ms"
    printf '  %-22s %12.1f %10s %10s\n' "bare sqlite tx" "${B_TPS[$bi]}" "$(ms "${B_P50[$bi]}")" "$(ms "${B_P99[$bi]}")"
    printf '  %-22s %12.1f %10s %10s\n' "congress registrations" "${C_RPS[$ci]}" "$(ms "${C_P50[$ci]}")" "$(ms "${C_P99[$ci]}")"
    echo
    echo "  ratio congress registrations/s / bare sqlite tx/s: $RATIO"
    echo "  target ratio >= $TARGET_RATIO: $RATIO_OK"
    echo "  target congress p99 < $TARGET_P99_MS ms at $CONNECTIONS clients: $P99_OK"
    echo "  every 201 on disk (sqlite3 count of the run's rows >= 201s seen, quick_check ok): $VERIFY"
    ((CONNECTIONS == 200)) || echo "  NOTE: the issue's p99 target is for 200 clients; this run used $CONNECTIONS"
    ((NON201_TOTAL == 0)) || echo "  WARNING: congress answered $NON201_TOTAL requests with a status other than 201 (statuses above); targets marked FAIL"
    ((SOCKERR_TOTAL == 0)) || echo "  WARNING: wrk counted $SOCKERR_TOTAL socket errors or timeouts; targets marked FAIL (KEEP_TMP=1 keeps wrk's output)"
    for ((i = 0; i < ROUNDS; i++)); do
        ((${C_LOGLINES[$i]} == 0)) || echo "  NOTE: round $((i + 1)) server log has ${C_LOGLINES[$i]} line(s) at --log-level warn (KEEP_TMP=1 keeps it)"
    done
    echo
    echo "RESULT congress_rps=${C_RPS[$ci]} bare_tps=${B_TPS[$bi]} ratio=$RATIO congress_p50_ms=$(ms "${C_P50[$ci]}") congress_p99_ms=$(ms "${C_P99[$ci]}") bare_p99_ms=$(ms "${B_P99[$bi]}") connections=$CONNECTIONS emails=$EMAIL_ORDER non201=$NON201_TOTAL socket_errors=$SOCKERR_TOTAL ratio_target=$RATIO_OK p99_target=$P99_OK durable=$VERIFY"
} | tee "$BENCH_BUILD_DIR/registration_write.last.txt"

if [[ $BENCH_STRICT == 1 && ($RATIO_OK != PASS || $P99_OK != PASS || $VERIFY != PASS) ]]; then
    exit 3
fi
exit 0

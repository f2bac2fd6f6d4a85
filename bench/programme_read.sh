#!/usr/bin/env bash
# programme_read.sh: read benchmark for GET /api/events/{id} (Hyderabad congress).
#
# Measures the Congress server with wrk and, in the same run with the same
# connections, duration and pinning, a bare Boost.Beast server (bench/bare_server.cpp)
# that answers every request with the exact response bytes Congress sent.
# Reports req/s, p50 and p99 for both, the ratio congress/bare req/s and
# PASS/FAIL against the targets (ratio >= 0.8, congress p99 < 5 ms).
# Exits 0 whatever the figures are (it is a benchmark, not a test) unless
# something broke; BENCH_STRICT=1 makes a missed target exit 3.
#
# See bench/README.md. Options (each also settable by the environment variable named):
#   --bin PATH           CONGRESS_BIN   congress binary (default build/release/congress,
#                                       relative paths are taken from the repo root)
#   -c, --connections N  CONNECTIONS    wrk connections (default 64)
#   -d, --duration D     DURATION       measured run length per round, wrk syntax (default 10s)
#   --warmup D           WARMUP         warm-up run per server before measuring (default 3s, 0 = none)
#   --rounds N           ROUNDS         measured rounds, congress/bare interleaved (default 3)
#   --threads N          THREADS        server threads, both servers (default 1)
#   --wrk-threads N      WRK_THREADS    wrk threads (default 1)
#   --server-cpus LIST   SERVER_CPUS    taskset core list for both servers (default: first core)
#   --wrk-cpus LIST      WRK_CPUS       taskset core list for wrk (default: last core)
#   --no-pin             PIN=0          do not pin (PIN=1 forces pinning, default auto: pin
#                                       when at least 2 cores are available)
#   --selftest FILE      SELFTEST_RESPONSE  A/A check of the harness: no Congress, two bare
#                                       servers answering with FILE; the ratio should be ~1.0
# Other environment: BENCH_BUILD_DIR (default build/bench), TARGET_RATIO (0.8),
# TARGET_P99_MS (5), BENCH_STRICT (0), KEEP_TMP (0), EVENT_SLUG (hyderabad-2014).

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SCRIPT_NAME=programme_read
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"

CONGRESS_BIN=${CONGRESS_BIN:-build/release/congress}
CONNECTIONS=${CONNECTIONS:-64}
DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-3s}
ROUNDS=${ROUNDS:-3}
THREADS=${THREADS:-1}
WRK_THREADS=${WRK_THREADS:-1}
SERVER_CPUS=${SERVER_CPUS:-}
WRK_CPUS=${WRK_CPUS:-}
PIN=${PIN:-auto}
SELFTEST_RESPONSE=${SELFTEST_RESPONSE:-}
BENCH_BUILD_DIR=${BENCH_BUILD_DIR:-$ROOT/build/bench}
TARGET_RATIO=${TARGET_RATIO:-0.8}
TARGET_P99_MS=${TARGET_P99_MS:-5}
BENCH_STRICT=${BENCH_STRICT:-0}
KEEP_TMP=${KEEP_TMP:-0}
EVENT_SLUG=${EVENT_SLUG:-hyderabad-2014}



while (($#)); do
    case $1 in
        --bin) CONGRESS_BIN=$2; shift 2 ;;
        -c|--connections) CONNECTIONS=$2; shift 2 ;;
        -d|--duration) DURATION=$2; shift 2 ;;
        --warmup) WARMUP=$2; shift 2 ;;
        --rounds) ROUNDS=$2; shift 2 ;;
        --threads) THREADS=$2; shift 2 ;;
        --wrk-threads) WRK_THREADS=$2; shift 2 ;;
        --server-cpus) SERVER_CPUS=$2; shift 2 ;;
        --wrk-cpus) WRK_CPUS=$2; shift 2 ;;
        --no-pin) PIN=0; shift ;;
        --selftest) SELFTEST_RESPONSE=$2; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; die "unknown argument: $1" ;;
    esac
done

is_uint "$CONNECTIONS" && ((CONNECTIONS > 0)) || die "bad connections: $CONNECTIONS"
is_uint "$ROUNDS" && ((ROUNDS > 0)) || die "bad rounds: $ROUNDS"
is_uint "$THREADS" && ((THREADS > 0)) || die "bad threads: $THREADS"
is_uint "$WRK_THREADS" && ((WRK_THREADS > 0)) || die "bad wrk threads: $WRK_THREADS"
((CONNECTIONS >= WRK_THREADS)) || die "wrk needs connections >= threads"
[[ $CONGRESS_BIN = /* ]] || CONGRESS_BIN=$ROOT/$CONGRESS_BIN
if [[ -n $SELFTEST_RESPONSE ]]; then
    [[ -f $SELFTEST_RESPONSE ]] || die "no such response file: $SELFTEST_RESPONSE"
    SELFTEST_RESPONSE=$(cd "$(dirname "$SELFTEST_RESPONSE")" && pwd)/$(basename "$SELFTEST_RESPONSE")
fi

# --- dependencies: check first, install only what is missing -----------------
missing=()
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
command -v g++ >/dev/null 2>&1 || missing+=(g++)
pkg_installed libboost1.81-dev || missing+=(libboost1.81-dev)
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

# --- build the bare server (only when the source is newer) --------------------
BARE_SRC=$ROOT/bench/bare_server.cpp
BARE_BIN=$BENCH_BUILD_DIR/bare_server
mkdir -p "$BENCH_BUILD_DIR"
if [[ ! -x $BARE_BIN || $BARE_SRC -nt $BARE_BIN ]]; then
    log "building $BARE_BIN"
    g++ -O2 -std=c++20 -pthread "$BARE_SRC" -o "$BARE_BIN.tmp" || die "bare_server build failed"
    mv -f "$BARE_BIN.tmp" "$BARE_BIN"
fi

if [[ -z $SELFTEST_RESPONSE ]]; then
    [[ -x $CONGRESS_BIN ]] || die "congress binary not found: $CONGRESS_BIN (build it or set CONGRESS_BIN)"
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
    PIN_DESC="servers on cpu $SERVER_CPUS, wrk on cpu $WRK_CPUS"
else
    PIN_DESC="not pinned"
fi

# --- temp dir, processes, cleanup ------------------------------------------------
TMP=$(mktemp -d "${TMPDIR:-/tmp}/congress-bench.XXXXXX")
PIDS=()
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM


# start_bare NAME RESPONSE_FILE: starts a bare server, sets BARE_PORT.
start_bare() {
    local name=$1 resp=$2
    "${SERVER_PIN[@]}" "$BARE_BIN" --address 127.0.0.1 --port 0 --port-file "$TMP/$name.port" \
        --threads "$THREADS" --response "$resp" >"$TMP/$name.log" 2>&1 &
    PIDS+=($!)
    BARE_PORT=$(wait_port "$!" "$TMP/$name.port" "$name" "$TMP/$name.log")
}


# --- the Congress server and the response to replay ---------------------------------
if [[ -z $SELFTEST_RESPONSE ]]; then
    DB=$TMP/congress.db
    "$CONGRESS_BIN" migrate --db "$DB" >"$TMP/setup.log" 2>&1 || { cat "$TMP/setup.log" >&2; die "migrate failed"; }
    "$CONGRESS_BIN" demo-load --db "$DB" >>"$TMP/setup.log" 2>&1 || { cat "$TMP/setup.log" >&2; die "demo-load failed"; }

    "${SERVER_PIN[@]}" "$CONGRESS_BIN" serve --db "$DB" --address 127.0.0.1 --port 0 \
        --port-file "$TMP/congress.port" --web-root "$ROOT/web" --threads "$THREADS" \
        --log-level warn >"$TMP/congress.log" 2>&1 &
    CONGRESS_PID=$!
    PIDS+=($CONGRESS_PID)
    CONGRESS_PORT=$(wait_port "$CONGRESS_PID" "$TMP/congress.port" congress "$TMP/congress.log")
    BASE=http://127.0.0.1:$CONGRESS_PORT
    ok=0
    for i in $(seq 100); do
        if curl -fsS --max-time 2 -o /dev/null "$BASE/api/health" 2>/dev/null; then ok=1; break; fi
        kill -0 "$CONGRESS_PID" 2>/dev/null || break
        sleep 0.1
    done
    ((ok)) || { tail -n 20 "$TMP/congress.log" >&2; die "congress /api/health did not answer"; }

    curl -fsS --max-time 5 "$BASE/api/events" >"$TMP/events.json" || die "GET /api/events failed"
    EVENT_ID=$(jq -r --arg slug "$EVENT_SLUG" \
        '(if type == "object" then .events else . end)[] | select(.slug == $slug) | .id' \
        "$TMP/events.json" | head -n 1) || die "cannot parse GET /api/events"
    [[ -n $EVENT_ID && $EVENT_ID != null ]] ||
        die "no event with slug $EVENT_SLUG in GET /api/events (slugs: $(jq -r '[(if type == "object" then .events else . end)[].slug] | join(", ")' "$TMP/events.json" 2>/dev/null))"
    REQ_PATH=/api/events/$EVENT_ID

    # Capture the exact response bytes (status line, headers verbatim with CRLF, raw body)
    # on a keep-alive HTTP/1.1 request, as wrk sends them.
    RESPONSE=$TMP/response.bin
    curl -sS --http1.1 --raw -i --max-time 5 -o "$RESPONSE" "$BASE$REQ_PATH" || die "GET $REQ_PATH failed"
    status_line=$(head -n 1 "$RESPONSE" | tr -d '\r')
    [[ $status_line == "HTTP/1.1 200"* ]] || die "GET $REQ_PATH answered: $status_line"
    headers=$(sed -n '1,/^\r$/p' "$RESPONSE" | tr -d '\r')
    if grep -qi '^transfer-encoding:' <<<"$headers"; then die "response is chunked; the bare server needs Content-Length"; fi
    if grep -qi '^connection:.*close' <<<"$headers"; then die "response asks to close the connection"; fi
    clen=$(grep -i '^content-length:' <<<"$headers" | head -n 1 | tr -dc '0-9')
    [[ -n $clen ]] || die "response has no Content-Length"
    raw=$(LC_ALL=C; cat "$RESPONSE"; printf x)
    raw=${raw%x}
    head_part=${raw%%$'\r\n\r\n'*}
    hlen=$(LC_ALL=C; echo $((${#head_part} + 4)))
    total=$(stat -c %s "$RESPONSE")
    ((total == hlen + clen)) || die "captured $total bytes, headers $hlen + Content-Length $clen do not add up"
    TARGET_NAME=congress
else
    RESPONSE=$SELFTEST_RESPONSE
    REQ_PATH=/api/events/1
    EVENT_ID="(selftest)"
    TARGET_NAME="bare A"
fi

start_bare bare "$RESPONSE"
BARE_URL=http://127.0.0.1:$BARE_PORT$REQ_PATH
if [[ -n $SELFTEST_RESPONSE ]]; then
    start_bare bare-a "$RESPONSE"
    TARGET_URL=http://127.0.0.1:$BARE_PORT$REQ_PATH
    BASELINE_NAME="bare B"
else
    TARGET_URL=$BASE$REQ_PATH
    BASELINE_NAME="bare beast"
    # Same body through both servers (proves the replayed framing is right).
    cmp -s <(curl -fsS --max-time 5 "$TARGET_URL") <(curl -fsS --max-time 5 "$BARE_URL") ||
        die "bare server and congress bodies differ"
fi
RESPONSE_BYTES=$(stat -c %s "$RESPONSE")

# --- wrk ------------------------------------------------------------------------------
cat >"$TMP/report.lua" <<'LUA'
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "WRK_RESULT requests=%.0f duration_us=%.0f p50_us=%.0f p99_us=%.0f max_us=%.0f errors=%.0f\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    latency.max, e.connect + e.read + e.write + e.status + e.timeout))
end
LUA

# run_wrk OUT DURATION URL: one wrk run, full output kept in OUT.
run_wrk() {
    local out=$1 dur=$2 url=$3
    "${WRK_PIN[@]}" wrk -t "$WRK_THREADS" -c "$CONNECTIONS" -d "$dur" --latency \
        -s "$TMP/report.lua" "$url" >"$out" 2>&1 || { cat "$out" >&2; die "wrk failed against $url"; }
    grep -q '^WRK_RESULT ' "$out" || { cat "$out" >&2; die "no result from wrk against $url"; }
}
# field OUT NAME: a value from the WRK_RESULT line.
field() { sed -n "s/^WRK_RESULT .*\\b$2=\\([0-9.]*\\).*/\\1/p" "$1"; }

LOAD_BEFORE=$(uptime_load)
if [[ $WARMUP != 0 && $WARMUP != 0s ]]; then
    log "warm-up $WARMUP each"
    run_wrk "$TMP/warm-target.out" "$WARMUP" "$TARGET_URL"
    run_wrk "$TMP/warm-bare.out" "$WARMUP" "$BARE_URL"
fi

T_RPS=() T_P50=() T_P99=() T_ERR=() B_RPS=() B_P50=() B_P99=() B_ERR=()
for ((r = 1; r <= ROUNDS; r++)); do
    # ABBA order (congress first in odd rounds, bare first in even ones), so a
    # machine that speeds up or slows down during the run favours neither.
    order=(target bare)
    ((r % 2)) || order=(bare target)
    for who in "${order[@]}"; do
        if [[ $who == target ]]; then url=$TARGET_URL; else url=$BARE_URL; fi
        out=$TMP/$who-$r.out
        log "round $r/$ROUNDS: $who $DURATION"
        run_wrk "$out" "$DURATION" "$url"
        rps=$(awk -v n="$(field "$out" requests)" -v d="$(field "$out" duration_us)" 'BEGIN { printf "%.1f", n / (d / 1e6) }')
        p50=$(field "$out" p50_us) p99=$(field "$out" p99_us) err=$(field "$out" errors)
        if [[ $who == target ]]; then
            T_RPS+=("$rps") T_P50+=("$p50") T_P99+=("$p99") T_ERR+=("$err")
        else
            B_RPS+=("$rps") B_P50+=("$p50") B_P99+=("$p99") B_ERR+=("$err")
        fi
    done
done
LOAD_AFTER=$(uptime_load)

# median_index RPS...: index of the median run by req/s (the lower middle for an even count).
median_index() {
    local n=$# i=0 v
    for v in "$@"; do
        printf '%s %d\n' "$v" "$i"
        i=$((i + 1))
    done | sort -g | awk -v n="$n" 'NR == int((n + 1) / 2) { print $2 }'
}
ti=$(median_index "${T_RPS[@]}")
bi=$(median_index "${B_RPS[@]}")

RATIO=$(awk -v a="${T_RPS[$ti]}" -v b="${B_RPS[$bi]}" 'BEGIN { printf "%.3f", (b > 0 ? a / b : 0) }')
RATIO_OK=$(awk -v r="$RATIO" -v t="$TARGET_RATIO" 'BEGIN { print (r >= t ? "PASS" : "FAIL") }')
P99_OK=$(awk -v p="${T_P99[$ti]}" -v t="$TARGET_P99_MS" 'BEGIN { print (p / 1000 < t ? "PASS" : "FAIL") }')

{
    echo
    echo "Read benchmark: GET $REQ_PATH (event $EVENT_SLUG, id $EVENT_ID), $RESPONSE_BYTES response bytes"
    echo "wrk -t$WRK_THREADS -c$CONNECTIONS -d$DURATION --latency, warm-up $WARMUP, $ROUNDS round(s) interleaved, server threads $THREADS, $PIN_DESC"
    echo "load average before: $LOAD_BEFORE; after: $LOAD_AFTER"
    echo
    echo "per round (req/s; p99 ms):"
    printf '  %-8s %12s %8s %12s %8s %8s\n' round "$TARGET_NAME" p99 "$BASELINE_NAME" p99 ratio
    for ((i = 0; i < ROUNDS; i++)); do
        printf '  %-8s %12.1f %8s %12.1f %8s %8s\n' $((i + 1)) "${T_RPS[$i]}" "$(ms "${T_P99[$i]}")" \
            "${B_RPS[$i]}" "$(ms "${B_P99[$i]}")" \
            "$(awk -v a="${T_RPS[$i]}" -v b="${B_RPS[$i]}" 'BEGIN { printf "%.3f", a / b }')"
    done
    echo
    echo "median run of each server by req/s (ratio = median/median):"
    printf '  %-12s %12s %10s %10s %8s\n' server req/s "p50 ms" "p99 ms" errors
    printf '  %-12s %12.1f %10s %10s %8s\n' "$TARGET_NAME" "${T_RPS[$ti]}" "$(ms "${T_P50[$ti]}")" "$(ms "${T_P99[$ti]}")" "${T_ERR[$ti]}"
    printf '  %-12s %12.1f %10s %10s %8s\n' "$BASELINE_NAME" "${B_RPS[$bi]}" "$(ms "${B_P50[$bi]}")" "$(ms "${B_P99[$bi]}")" "${B_ERR[$bi]}"
    echo
    echo "  ratio $TARGET_NAME/$BASELINE_NAME req/s: $RATIO"
    echo "  target ratio >= $TARGET_RATIO: $RATIO_OK"
    echo "  target $TARGET_NAME p99 < $TARGET_P99_MS ms: $P99_OK"
    awk -v p="${B_P99[$bi]}" -v t="$TARGET_P99_MS" 'BEGIN { exit !(p / 1000 >= t) }' &&
        echo "  NOTE: the bare server's p99 missed the target too: the machine was too busy for p99 to mean much"
    errs=0
    for e in "${T_ERR[@]}" "${B_ERR[@]}"; do ((errs += ${e%.*})) || true; done
    ((errs == 0)) || echo "  WARNING: wrk counted $errs socket/HTTP errors; see the wrk output (KEEP_TMP=1)"
    echo
    echo "RESULT target_rps=${T_RPS[$ti]} bare_rps=${B_RPS[$bi]} ratio=$RATIO target_p50_ms=$(ms "${T_P50[$ti]}") target_p99_ms=$(ms "${T_P99[$ti]}") bare_p99_ms=$(ms "${B_P99[$bi]}") ratio_target=$RATIO_OK p99_target=$P99_OK"
} | tee "$BENCH_BUILD_DIR/programme_read.last.txt"

if [[ $BENCH_STRICT == 1 && ($RATIO_OK != PASS || $P99_OK != PASS) ]]; then
    exit 3
fi
exit 0

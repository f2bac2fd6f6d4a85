#!/usr/bin/env bash
# registration_instructions.sh: CPU instructions per durable registration, per server thread.
#
# Wall-clock rates on a shared 2-core VM swing with whatever else runs; instruction counts
# do not. This runs `congress serve` under valgrind's callgrind (one output file per
# thread), registers a fixed number of delegates for the Hyderabad congress over HTTP
# (200 keep-alive clients by default, as registration_write.sh does), and divides each
# thread's instructions by the registrations made while counting. Only user-space
# instructions are counted (system calls are not), and under valgrind the threads run one
# at a time, so group-commit batches are larger than in a real run.
#
# Steps: fresh database (migrate, demo-load, optionally --prefill rows so that the indexes
# have the size of a real run), warm-up registrations (by default enough to fill the 3000
# seats, so that the measured ones take the waiting-list path like almost every request
# of registration_write.sh), callgrind_control --zero, the measured registrations,
# callgrind_control --dump, then the count of the measured rows with sqlite3.
#
# Options (each also settable by the environment variable named):
#   --bin PATH          CONGRESS_BIN  congress binary (default build/release/congress)
#   -n, --count N       COUNT         registrations measured (default 2000)
#   -c, --connections N CONNECTIONS   concurrent keep-alive clients (default 200)
#   --warmup N          WARMUP        registrations before counting (default 3200, or 400
#                                     with --prefill)
#   --prefill N         PREFILL       rows inserted with SQL before the server starts
#                                     (default 0; 70000 is about the end of a 10 s run)
#   --threads N         THREADS       server network threads (default 2)
#   --keep DIR          KEEP_DIR      keep the callgrind files and database in DIR (for
#                                     callgrind_annotate); default: a temp dir, removed
# Needs valgrind, python3 (the HTTP client), sqlite3, curl and jq.
# Example: bench/registration_instructions.sh --prefill 70000

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SCRIPT_NAME=registration_instructions
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"

CONGRESS_BIN=${CONGRESS_BIN:-build/release/congress}
COUNT=${COUNT:-2000}
CONNECTIONS=${CONNECTIONS:-200}
PREFILL=${PREFILL:-0}
WARMUP=${WARMUP:-}
THREADS=${THREADS:-2}
KEEP_DIR=${KEEP_DIR:-}
EVENT_SLUG=hyderabad-2014

while (($#)); do
    case $1 in
        --bin) CONGRESS_BIN=$2; shift 2 ;;
        -n|--count) COUNT=$2; shift 2 ;;
        -c|--connections) CONNECTIONS=$2; shift 2 ;;
        --warmup) WARMUP=$2; shift 2 ;;
        --prefill) PREFILL=$2; shift 2 ;;
        --threads) THREADS=$2; shift 2 ;;
        --keep) KEEP_DIR=$2; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; die "unknown argument: $1" ;;
    esac
done
for v in COUNT CONNECTIONS PREFILL THREADS; do is_uint "${!v}" || die "bad $v: ${!v}"; done
((COUNT > 0 && CONNECTIONS > 0)) || die "count and connections must be positive"
WARMUP=${WARMUP:-$( ((PREFILL > 0)) && echo 400 || echo 3200)}
is_uint "$WARMUP" || die "bad warm-up: $WARMUP"
[[ $CONGRESS_BIN = /* ]] || CONGRESS_BIN=$ROOT/$CONGRESS_BIN
[[ -x $CONGRESS_BIN ]] || die "congress binary not found: $CONGRESS_BIN (build it or set CONGRESS_BIN)"
for tool in valgrind callgrind_control callgrind_annotate python3 sqlite3 curl jq; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool is needed (apt-get install valgrind python3 sqlite3 curl jq)"
done

if [[ -n $KEEP_DIR ]]; then
    mkdir -p "$KEEP_DIR" && TMP=$(cd "$KEEP_DIR" && pwd)
    rm -f "$TMP"/cg.out* "$TMP"/db "$TMP"/db-* "$TMP"/port
    KEEP_TMP=1
else
    TMP=$(mktemp -d)
    KEEP_TMP=0
fi
PIDS=()
trap cleanup EXIT

DB=$TMP/db
"$CONGRESS_BIN" migrate --db "$DB" >"$TMP/setup.log" 2>&1 || { cat "$TMP/setup.log" >&2; die "migrate failed"; }
"$CONGRESS_BIN" demo-load --db "$DB" >>"$TMP/setup.log" 2>&1 || { cat "$TMP/setup.log" >&2; die "demo-load failed"; }
EVENT_ID=$(sqlite3 "$DB" "SELECT id FROM events WHERE slug = '$EVENT_SLUG'")
[[ -n $EVENT_ID ]] || die "no event $EVENT_SLUG in the demo"
if ((PREFILL > 0)); then
    # Rows shaped like the benchmark's: random codes (as far as the indexes care), the first
    # 3000 confirmed, the rest on the waiting list; the database's triggers keep the counts.
    sqlite3 "$DB" "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $PREFILL)
        INSERT INTO registrations (event_id, code, name, email, status, waitlist_seq, created_at, updated_at)
        SELECT $EVENT_ID, lower(hex(randomblob(13))), 'Prefill ' || i, 'prefill-' || i || '@bench.example.org',
               CASE WHEN i <= 3000 THEN 'confirmed' ELSE 'waitlisted' END, i,
               '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z' FROM n;" || die "prefill failed"
fi

# The client: COUNT POSTs over CONNECTIONS keep-alive connections, each waiting for its answer.
cat >"$TMP/client.py" <<'PY'
import asyncio, collections, sys
host, port, path, tag, total, conns = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5]), int(sys.argv[6])
statuses, sent = collections.Counter(), 0
def next_request():
    global sent
    if sent >= total:
        return None
    sent += 1
    body = '{"name":"Bench Delegate %d","email":"r%s-%d@bench.example.org"}' % (sent, tag, sent)
    return ("POST %s HTTP/1.1\r\nHost: %s:%d\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
            % (path, host, port, len(body), body)).encode()
async def client():
    reader, writer = await asyncio.open_connection(host, port)
    while (request := next_request()) is not None:
        writer.write(request)
        status = int((await reader.readline()).split()[1])
        length = 0
        while (line := await reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode().partition(":")
            if name.lower() == "content-length":
                length = int(value)
        await reader.readexactly(length)
        statuses[status] += 1
    writer.close()
async def main():
    await asyncio.gather(*(client() for _ in range(conns)))
asyncio.run(main())
print(" ".join("%d=%d" % kv for kv in sorted(statuses.items())))
PY

log "starting congress under callgrind (slow: about 150 registrations/s)"
valgrind --tool=callgrind --separate-threads=yes --callgrind-out-file="$TMP/cg.out" \
    "$CONGRESS_BIN" serve --db "$DB" --address 127.0.0.1 --port 0 --port-file "$TMP/port" \
    --web-root "$ROOT/web" --threads "$THREADS" --log-level warn >"$TMP/server.log" 2>&1 &
PID=$!
PIDS+=("$PID")
PORT=$(wait_port "$PID" "$TMP/port" congress "$TMP/server.log")
REQ_PATH=/api/events/$EVENT_ID/registrations
TAG=$(date +%s)$$

log "warm-up: $WARMUP registrations"
python3 "$TMP/client.py" 127.0.0.1 "$PORT" "$REQ_PATH" "${TAG}w" "$WARMUP" "$CONNECTIONS" >/dev/null
sleep 1
callgrind_control --zero "$PID" >/dev/null
log "measuring: $COUNT registrations, $CONNECTIONS clients"
statuses=$(python3 "$TMP/client.py" 127.0.0.1 "$PORT" "$REQ_PATH" "${TAG}m" "$COUNT" "$CONNECTIONS")
callgrind_control --dump "$PID" >/dev/null
stop_pid "$PID"
PIDS=()
[[ $statuses == "201=$COUNT" ]] || die "expected $COUNT answers 201, got: $statuses"
ROWS=$(sqlite3 "$DB" "SELECT count(*) FROM registrations WHERE email LIKE 'r${TAG}m-%'")
((ROWS == COUNT)) || die "$ROWS rows on disk for $COUNT registrations"

# One file per thread (cg.out.1-NN: the dump); name each by what it runs.
echo
printf '%-34s %14s %14s\n' "thread" "instructions" "per registration"
total=0
for f in "$TMP"/cg.out.1-*; do
    n=$(sed -n 's/^summary: //p' "$f")
    ((n > 0)) || continue
    total=$((total + n))
    functions=$(callgrind_annotate --inclusive=yes "$f" 2>/dev/null || true)
    role=other
    for pair in "Database::writer_loop|database writer" "Database::checkpoint_loop|checkpoints" \
        "io_context::run|network (io_context)" "LiveFeed::watch|live feed watcher" "Database::Database|database reader"; do
        if grep -qF "${pair%%|*}" <<<"$functions"; then role=${pair#*|}; break; fi
    done
    printf '%-34s %14d %14d\n' "$role (${f##*.})" "$n" $((n / ROWS))
done
printf '%-34s %14d %14d\n' "all threads" "$total" $((total / ROWS))
echo
echo "RESULT instructions_per_registration=$((total / ROWS)) registrations=$ROWS connections=$CONNECTIONS prefill=$PREFILL"
if ((KEEP_TMP)); then log "callgrind files in $TMP (callgrind_annotate --inclusive=yes $TMP/cg.out.1-NN)"; fi

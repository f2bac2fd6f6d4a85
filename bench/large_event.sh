#!/usr/bin/env bash
# large_event.sh: the organiser's registrations list and CSV export at a million registrations.
#
# Builds two databases from the demo: a small event (SMALL registrations, default 1,000) and
# a large one (LARGE, default 1,000,000: 95 % confirmed, 4 % waitlisted, 1 % cancelled; a
# third of them from the demo's member cities, the rest typed as one of 2,000 organisations;
# names from 16 first names x 20 surnames, some with accents). Rows are written straight into
# the SQLite file (the schema's triggers keep the seat counters and tallies; the first search
# indexes them for the search),
# then each database is served by the Release binary with one network thread, and the same
# requests are timed against both, signed in as the event's organiser:
#   * the registrations list: first page; a deep page by keyset (after=, 90 % of the way
#     down); a deep page by number (page=); status=waitlisted; organisation=; member=yes;
#     sort=name with after=; searches q= for a surname shared by 5 % of the rows, for one
#     delegate's e-mail, and for a name without its accent;
#   * the CSV export of every registration: time to the first byte, total time, size, and
#     the server's resident memory before and after (VmRSS, and its peak VmHWM).
# Each list request is sent REQUESTS times (default 15): the median and the worst are
# printed, small beside large. Targets (issue 22): every list under 50 ms at a million;
# the export's first bytes within 100 ms and at most a few MiB more memory.
#
# Options (each also settable by the environment variable named):
#   --bin PATH         CONGRESS_BIN  congress binary; unset: build Release into
#                                    BENCH_BUILD_DIR/release (cmake + ninja, -j BUILD_JOBS)
#   --large N          LARGE         registrations in the large event (default 1000000)
#   --small N          SMALL         registrations in the small event (default 1000)
#   --requests N       REQUESTS      times each list request is sent (default 15)
# Other environment: BENCH_BUILD_DIR (build/bench), BUILD_JOBS (2), BENCH_DIR (build/: the
# temp dir with the databases goes there; the large one needs about 1 GB), EVENT_SLUG
# (medellin-wuf7-2014), KEEP_TMP (0). Exits 0 when it ran, whatever the figures.

set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
SCRIPT_NAME=large_event.sh
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"

CONGRESS_BIN=${CONGRESS_BIN:-}
LARGE=${LARGE:-1000000}
SMALL=${SMALL:-1000}
REQUESTS=${REQUESTS:-15}
EVENT_SLUG=${EVENT_SLUG:-medellin-wuf7-2014}
BENCH_BUILD_DIR=${BENCH_BUILD_DIR:-$ROOT/build/bench}
BENCH_DIR=${BENCH_DIR:-$ROOT/build}
BUILD_JOBS=${BUILD_JOBS:-2}
KEEP_TMP=${KEEP_TMP:-0}
STAFF_PASSWORD=bench-organiser-password

while (($#)); do
    case $1 in
        --bin) CONGRESS_BIN=$2; shift 2 ;;
        --large) LARGE=$2; shift 2 ;;
        --small) SMALL=$2; shift 2 ;;
        --requests) REQUESTS=$2; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) die "unknown option $1 (see --help)" ;;
    esac
done
for v in LARGE SMALL REQUESTS; do is_uint "${!v}" && ((${!v} > 0)) || die "$v must be a positive whole number"; done
((SMALL >= 100 && LARGE >= 100)) || die "SMALL and LARGE must be at least 100"

# --- what it needs --------------------------------------------------------------------
missing=()
for tool in curl:curl jq:jq sqlite3:sqlite3 cmake:cmake g++:g++; do
    command -v "${tool%%:*}" >/dev/null 2>&1 || missing+=("${tool#*:}")
done
if [[ -z $CONGRESS_BIN ]]; then command -v ninja >/dev/null 2>&1 || missing+=(ninja-build); fi
if ((${#missing[@]})); then
    log "installing missing packages: ${missing[*]}"
    SUDO=()
    (($(id -u) == 0)) || SUDO=(sudo)
    export DEBIAN_FRONTEND=noninteractive
    "${SUDO[@]}" apt-get install -y --no-install-recommends "${missing[@]}" ||
        { "${SUDO[@]}" apt-get update && "${SUDO[@]}" apt-get install -y --no-install-recommends "${missing[@]}"; } ||
        die "could not install ${missing[*]}"
fi

mkdir -p "$BENCH_BUILD_DIR" "$BENCH_DIR" || die "cannot create $BENCH_BUILD_DIR or $BENCH_DIR"
if [[ -z $CONGRESS_BIN ]]; then
    RELEASE_DIR=$BENCH_BUILD_DIR/release
    launcher=()
    command -v ccache >/dev/null 2>&1 && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
    log "building Release congress in $RELEASE_DIR (-j $BUILD_JOBS; incremental)"
    cmake -S "$ROOT" -B "$RELEASE_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCONGRESS_BUILD_TESTS=OFF \
        "${launcher[@]}" >"$BENCH_BUILD_DIR/release-configure.log" 2>&1 ||
        { tail -n 30 "$BENCH_BUILD_DIR/release-configure.log" >&2; die "cmake configure failed"; }
    cmake --build "$RELEASE_DIR" -j "$BUILD_JOBS" --target congress >"$BENCH_BUILD_DIR/release-build.log" 2>&1 ||
        { tail -n 30 "$BENCH_BUILD_DIR/release-build.log" >&2; die "Release build failed"; }
    CONGRESS_BIN=$RELEASE_DIR/congress
fi
[[ $CONGRESS_BIN = /* ]] || CONGRESS_BIN=$ROOT/$CONGRESS_BIN
[[ -x $CONGRESS_BIN ]] || die "congress binary not found: $CONGRESS_BIN"

TMP=$(mktemp -d "$BENCH_DIR/large-event.XXXXXX")
PIDS=()
trap cleanup EXIT

# --- the databases ----------------------------------------------------------------------
# make_db FILE N: the demo, then N registrations in EVENT_SLUG's event, 95/4/1 % confirmed,
# waitlisted and cancelled, created one every 0.1 s.
make_db() {
    local db=$1 n=$2 setup=$TMP/setup.log confirmed waitlisted
    confirmed=$((n * 95 / 100))
    waitlisted=$((n * 99 / 100))
    "$CONGRESS_BIN" migrate --db "$db" >"$setup" 2>&1 || { cat "$setup" >&2; die "migrate failed"; }
    (cd "$ROOT" && "$CONGRESS_BIN" demo-load --db "$db") >>"$setup" 2>&1 || { cat "$setup" >&2; die "demo-load failed"; }
    printf '%s\n' "$STAFF_PASSWORD" | "$CONGRESS_BIN" user add --db "$db" --email organiser@bench.example.org \
        --name "Bench organiser" --role organiser --event "$EVENT_SLUG" >>"$setup" 2>&1 ||
        { cat "$setup" >&2; die "congress user add failed"; }
    sqlite3 "$db" >>"$setup" 2>&1 <<SQL || { cat "$setup" >&2; die "loading $n registrations failed"; }
PRAGMA journal_mode = WAL;
PRAGMA synchronous = OFF;
CREATE TEMP TABLE first_names (n TEXT);
INSERT INTO first_names VALUES ('Ana'), ('José'), ('Amélie'), ('Chen'), ('Fatima'), ('Olusegun'), ('Priya'), ('Lars'),
    ('María'), ('Kenji'), ('Sipho'), ('Ingrid'), ('Rahul'), ('Leïla'), ('Tomás'), ('Yuki');
CREATE TEMP TABLE surnames (n TEXT);
INSERT INTO surnames VALUES ('Martínez'), ('Dubois'), ('Wang'), ('Haddad'), ('Okafor'), ('Sharma'), ('Nilsson'),
    ('García'), ('Tanaka'), ('Ndlovu'), ('Berg'), ('Gupta'), ('Benali'), ('Silva'), ('Sato'), ('Müller'),
    ('Kowalski'), ('Nguyen'), ('Ivanova'), ('Rossi');
CREATE TEMP TABLE domains (d TEXT);
INSERT INTO domains VALUES ('gmail.com'), ('yahoo.fr'), ('bcn.cat'), ('seoul.go.kr'), ('hyderabad.gov.in'),
    ('metropolis.org'), ('outlook.com'), ('medellin.gov.co');
CREATE TEMP TABLE members AS SELECT id, row_number() OVER (ORDER BY id) - 1 AS k FROM organisations;
UPDATE events SET capacity = max(capacity, $confirmed) WHERE slug = '$EVENT_SLUG';
BEGIN;
WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < $n)
INSERT INTO registrations (event_id, code, name, email, organisation, member_organisation_id, language, status,
                           waitlist_seq, created_at, updated_at)
SELECT (SELECT id FROM events WHERE slug = '$EVENT_SLUG'), 'bench-' || i,
       (SELECT n FROM first_names WHERE rowid = 1 + i % 16) || ' ' || (SELECT n FROM surnames WHERE rowid = 1 + (i / 16) % 20),
       'delegate' || i || '@' || (SELECT d FROM domains WHERE rowid = 1 + i % 8),
       CASE WHEN i % 3 = 0 THEN NULL ELSE 'City of Town ' || (i % 2000) END,
       CASE WHEN i % 3 = 0 THEN (SELECT id FROM members WHERE k = i % (SELECT count(*) FROM members)) END,
       'en',
       CASE WHEN i <= $confirmed THEN 'confirmed' WHEN i <= $waitlisted THEN 'waitlisted' ELSE 'cancelled' END,
       CASE WHEN i > $confirmed AND i <= $waitlisted THEN i END,
       strftime('%Y-%m-%dT%H:%M:%SZ', '2028-01-01', '+' || (i / 10) || ' seconds'),
       strftime('%Y-%m-%dT%H:%M:%SZ', '2028-01-01', '+' || (i / 10) || ' seconds')
FROM c;
COMMIT;
PRAGMA wal_checkpoint(TRUNCATE);
SQL
}

# --- timing ------------------------------------------------------------------------------
JAR=
CSRF=
BASE=
EVENT_ID=
SERVER_PID=

start_server() {
    local db=$1 name=$2 logf=$TMP/$2.log pf=$TMP/$2.port port i
    "$CONGRESS_BIN" serve --db "$db" --address 127.0.0.1 --port 0 --port-file "$pf" --web-root "$ROOT/web" \
        --threads 1 --log-level warn >"$logf" 2>&1 &
    SERVER_PID=$!
    PIDS+=("$SERVER_PID")
    port=$(wait_port "$SERVER_PID" "$pf" congress "$logf")
    BASE=http://127.0.0.1:$port
    for i in $(seq 100); do
        curl -fsS --max-time 2 -o /dev/null "$BASE/api/health" 2>/dev/null && break
        ((i < 100)) || die "congress /api/health did not answer"
        sleep 0.1
    done
    JAR=$TMP/$name.jar
    local answer
    answer=$(curl -sS --max-time 10 -c "$JAR" -H 'Content-Type: application/json' \
        -d "{\"email\":\"organiser@bench.example.org\",\"password\":\"$STAFF_PASSWORD\"}" "$BASE/api/staff/login") ||
        die "sign-in failed"
    CSRF=$(jq -er '.csrf_token' <<<"$answer") || die "sign-in refused: $answer"
    EVENT_ID=$(curl -fsS "$BASE/api/events" | jq -r --arg s "$EVENT_SLUG" '.events[] | select(.slug == $s) | .id' | head -n 1)
    [[ -n $EVENT_ID && $EVENT_ID != null ]] || die "no event $EVENT_SLUG"
    # The rows came in through sqlite3, not the server: none is in the search index yet. The
    # writer indexes them when it has nothing else to do, and a search first indexes what is
    # left. One search now, so that the timings below do not include it (and say how long it took).
    local t
    t=$(curl -fsS --max-time 600 -b "$JAR" -o "$TMP/first-search.json" -w '%{time_total}' \
        "$BASE/api/events/$EVENT_ID/registrations?q=martinez&per_page=1") || die "the first search failed"
    log "$name: the first search (indexing what the writer had not indexed yet) took ${t}s and found $(jq -r .total "$TMP/first-search.json")"
}

# time_list QUERY: "median worst" of REQUESTS GETs of the list with QUERY, in ms; dies on a non-200.
time_list() {
    local url="$BASE/api/events/$EVENT_ID/registrations?$1" times=() out code t i
    for ((i = 0; i < REQUESTS; i++)); do
        out=$(curl -sS --max-time 60 -b "$JAR" -o "$TMP/answer.json" -w '%{http_code} %{time_total}' "$url")
        code=${out%% *}
        t=${out#* }
        [[ $code == 200 ]] || die "GET $url answered $code: $(head -c 300 "$TMP/answer.json")"
        times+=("$t")
    done
    printf '%s\n' "${times[@]}" | sort -n | awk '{ a[NR] = $1 } END { printf "%.1f %.1f", a[int((NR + 1) / 2)] * 1000, a[NR] * 1000 }'
}

rss_kb() { awk -v k="$1" '$1 == k ":" { print $2 }' "/proc/$SERVER_PID/status"; }

# domain_of I: the e-mail domain make_db gave registration I.
domain_of() {
    local domains=(gmail.com yahoo.fr bcn.cat seoul.go.kr hyderabad.gov.in metropolis.org outlook.com medellin.gov.co)
    echo "${domains[$(($1 % 8))]}"
}

# measure NAME: every figure for the server now running, into $TMP/NAME.figures as "key value".
measure() {
    local name=$1 f=$TMP/$1.figures total deep_after deep_page name_after rss0 out
    : >"$f"
    total=$(curl -fsS -b "$JAR" "$BASE/api/events/$EVENT_ID/registrations?per_page=1" | jq -r .total)
    # The ids 90 % of the way down the list, by date and by name.
    deep_after=$(sqlite3 "$2" "SELECT id FROM registrations WHERE event_id = $EVENT_ID ORDER BY created_at, id LIMIT 1 OFFSET $((total * 9 / 10))")
    name_after=$(sqlite3 "$2" "SELECT id FROM registrations WHERE event_id = $EVENT_ID ORDER BY name COLLATE NOCASE, id LIMIT 1 OFFSET $((total * 9 / 10))")
    deep_page=$((total * 9 / 10 / 50))
    echo "rows $total" >>"$f"
    echo "first_page $(time_list 'per_page=50')" >>"$f"
    echo "keyset_deep $(time_list "per_page=50&after=$deep_after")" >>"$f"
    echo "page_number_deep $(time_list "per_page=50&page=$deep_page")" >>"$f"
    echo "status_waitlisted $(time_list 'per_page=50&status=waitlisted')" >>"$f"
    echo "organisation $(time_list 'per_page=50&organisation=City%20of%20Town%2017')" >>"$f"
    echo "member_yes $(time_list 'per_page=50&member=yes')" >>"$f"
    echo "name_keyset_deep $(time_list "per_page=50&sort=name&after=$name_after")" >>"$f"
    echo "search_surname $(time_list 'per_page=50&q=dubois')" >>"$f"
    echo "search_email $(time_list "per_page=50&q=delegate$((total / 2 + 1))%40$(domain_of $((total / 2 + 1)))")" >>"$f"
    echo "search_unaccented $(time_list 'per_page=50&q=amelie+martinez')" >>"$f"
    rss0=$(rss_kb VmRSS)
    out=$(curl -sS --max-time 600 -b "$JAR" -o "$TMP/export.csv" -w '%{http_code} %{time_starttransfer} %{time_total} %{size_download}' \
        "$BASE/api/events/$EVENT_ID/export/registrations.csv")
    [[ ${out%% *} == 200 ]] || die "the export answered ${out%% *}"
    read -r _ ttfb ttotal size <<<"$out"
    echo "export_first_byte_ms $(awk -v t="$ttfb" 'BEGIN { printf "%.1f", t * 1000 }')" >>"$f"
    echo "export_total_s $(awk -v t="$ttotal" 'BEGIN { printf "%.2f", t }')" >>"$f"
    echo "export_mib $(awk -v s="$size" 'BEGIN { printf "%.1f", s / 1048576 }')" >>"$f"
    echo "export_rows $(($(wc -l <"$TMP/export.csv") - 1))" >>"$f"
    echo "rss_before_mib $(awk -v k="$rss0" 'BEGIN { printf "%.1f", k / 1024 }')" >>"$f"
    echo "rss_after_mib $(awk -v k="$(rss_kb VmRSS)" 'BEGIN { printf "%.1f", k / 1024 }')" >>"$f"
    echo "rss_peak_mib $(awk -v k="$(rss_kb VmHWM)" 'BEGIN { printf "%.1f", k / 1024 }')" >>"$f"
}

run() {
    local name=$1 n=$2 db=$TMP/$1.db
    log "$name: building a database with $n registrations"
    make_db "$db" "$n"
    start_server "$db" "$name"
    log "$name: measuring"
    measure "$name" "$db"
    stop_pid "$SERVER_PID"
}

run small "$SMALL"
run large "$LARGE"

value() { awk -v k="$2" '$1 == k { print $('"$3"' + 1) }' "$TMP/$1.figures"; }
printf '\n%s: %s, one network thread; %s request(s) per list figure; load %s\n' "$SCRIPT_NAME" "$(basename "$CONGRESS_BIN")" \
    "$REQUESTS" "$(uptime_load)"
printf '%-22s %14s %14s %14s %14s\n' "list (ms)" "small median" "small worst" "large median" "large worst"
printf '%-22s %14s %14s %14s %14s\n' "rows" "$(value small rows 1)" "" "$(value large rows 1)" ""
for k in first_page keyset_deep page_number_deep status_waitlisted organisation member_yes name_keyset_deep \
    search_surname search_email search_unaccented; do
    printf '%-22s %14s %14s %14s %14s\n' "$k" "$(value small $k 1)" "$(value small $k 2)" "$(value large $k 1)" "$(value large $k 2)"
done
printf '\n%-22s %14s %14s\n' "export" "small" "large"
for k in export_rows export_mib export_first_byte_ms export_total_s rss_before_mib rss_after_mib rss_peak_mib; do
    printf '%-22s %14s %14s\n' "$k" "$(value small $k 1)" "$(value large $k 1)"
done

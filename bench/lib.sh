# shellcheck shell=bash
# Shared by the benchmark scripts in bench/ (sourced, not run). Each script sets ROOT and
# SCRIPT_NAME before sourcing, and PIDS, TMP and KEEP_TMP before calling cleanup.

log() { printf '%s: %s\n' "$SCRIPT_NAME" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# Prints the calling script's header comment (its usage).
usage() { sed -n '2,/^$/{s/^# \{0,1\}//;p}' "${BASH_SOURCE[-1]}"; }

is_uint() { [[ $1 =~ ^[0-9]+$ ]]; }
pkg_installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'ok installed'; }
uptime_load() { sed 's/^.*load average: //' <<<"$(uptime)"; }
ms() { awk -v u="$1" 'BEGIN { printf "%.2f", u / 1000 }'; }

# The CPUs this process may run on, one per line.
allowed_cpus() {
    local list out=() part a b
    list=$(taskset -pc $$ 2>/dev/null | sed 's/.*: *//') || true
    [[ -n $list ]] || { seq 0 $(($(nproc) - 1)); return; }
    IFS=, read -ra parts <<<"$list"
    for part in "${parts[@]}"; do
        if [[ $part == *-* ]]; then
            a=${part%-*} b=${part#*-}
            mapfile -t -O "${#out[@]}" out < <(seq "$a" "$b")
        else
            out+=("$part")
        fi
    done
    printf '%s\n' "${out[@]}"
}

# stop_pid PID: SIGTERM, then SIGKILL if it has not exited within 15 s.
stop_pid() {
    local pid=$1 i
    kill -TERM "$pid" 2>/dev/null || return 0
    for i in $(seq 150); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        log "pid $pid did not stop within 15 s of SIGTERM; killing it"
        kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
}

cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do stop_pid "$pid"; done
    if [[ $KEEP_TMP == 1 ]]; then log "kept $TMP"; else rm -rf "$TMP"; fi
}

# wait_port PID FILE NAME LOG: prints the port once FILE holds one.
wait_port() {
    local pid=$1 file=$2 name=$3 logf=$4 port
    for _ in $(seq 300); do
        if ! kill -0 "$pid" 2>/dev/null; then
            tail -n 20 "$logf" >&2 || true
            die "$name exited before listening (log above)"
        fi
        if [[ -s $file ]]; then
            port=$(tr -d '[:space:]' <"$file")
            if is_uint "$port" && ((port > 0)); then
                echo "$port"
                return
            fi
        fi
        sleep 0.1
    done
    tail -n 20 "$logf" >&2 || true
    die "$name did not write its port file within 30 s"
}

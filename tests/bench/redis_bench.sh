#!/usr/bin/env bash
# tests/bench/redis_bench.sh — Redis overhead: redis-benchmark -c 50 -n 200000 -t get,set, plain and
# -P 16, with the client under the library vs bare and with the server under the library vs bare,
# all measured in one run against two servers started here (bare and preloaded) on free loopback
# ports. Prints requests/s per variant, the ratios (goal >= 0.97), and the client's CPU time per
# command added by the library (user+sys of the whole client process, exporter thread included).
#
# Knobs: BUILD (default build), REDIS_BENCH_N (default 200000; use less while developing — the
# machine is shared), REDIS_BENCH_C (default 50). Spans are exported to /dev/null (console), at
# 100% sampling. Exit 1 if a server or a benchmark run fails; missed goals never fail.
set -u
cd "$(dirname "$0")/../.." || exit 1

BUILD=${BUILD:-build}
N=${REDIS_BENCH_N:-200000}
C=${REDIS_BENCH_C:-50}
LIB=$PWD/$BUILD/libgenesis_auto.so
[ -f "$LIB" ] || { echo "redis_bench: $LIB missing (make)"; exit 1; }
for t in redis-server redis-benchmark python3; do
    command -v $t >/dev/null || { echo "redis_bench: $t not installed"; exit 1; }
done

while read -r v; do unset "$v"; done < <(compgen -e | grep -E '^(OTEL_|GENESIS_)')
unset LD_PRELOAD
PRE_ENV=(OTEL_TRACES_EXPORTER=console GENESIS_CONSOLE_FILE=/dev/null OTEL_METRICS_EXPORTER=none
         OTEL_LOGS_EXPORTER=none GENESIS_QUEUE_SIZE=65536)
TMP=$(mktemp -d)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; rm -rf "$TMP"; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# start_server <dir> [preload]: sets PORT (no $(...): the server would hold the pipe open)
start_server() {
    local dir=$1
    PORT=$(free_port)
    mkdir -p "$dir"
    if [ "${2:-}" = preload ]; then
        env "${PRE_ENV[@]}" LD_PRELOAD="$LIB" redis-server --bind 127.0.0.1 --port "$PORT" --dir "$dir" \
            --save '' --appendonly no --daemonize no --logfile "$dir/redis.log" >/dev/null 2>&1 &
    else
        redis-server --bind 127.0.0.1 --port "$PORT" --dir "$dir" --save '' --appendonly no \
            --daemonize no --logfile "$dir/redis.log" >/dev/null 2>&1 &
    fi
    PIDS+=($!)
    for _ in $(seq 100); do
        redis-cli -p "$PORT" PING >/dev/null 2>&1 && return 0
        sleep 0.05
    done
    return 1
}

start_server "$TMP/bare" || { echo "redis_bench: bare server did not start"; exit 1; }
BARE_PORT=$PORT
start_server "$TMP/pre" preload || { echo "redis_bench: preloaded server did not start"; exit 1; }
PRE_PORT=$PORT

# CPU time (user+sys, seconds) of the children this shell has waited for, into CHILD_CPU. `times`
# must run in this shell (not in a pipe or $(...): a forked subshell starts from zero).
child_cpu() {
    times > "$TMP/times"
    CHILD_CPU=$(awk 'NR == 2 { split($1, u, "m"); split($2, s, "m"); sub("s", "", u[2]); sub("s", "", s[2]);
                               printf "%.6f", u[1] * 60 + u[2] + s[1] * 60 + s[2] }' "$TMP/times")
}

# run <label> <port> <preload 0|1> [extra args]: sets RPS_SET RPS_GET CPU_NS (client CPU per command)
run() {
    local label=$1 port=$2 pre=$3; shift 3
    local out="$TMP/$label.csv" before rc
    local -a cmd=(redis-benchmark -h 127.0.0.1 -p "$port" -c "$C" -n "$N" -t get,set --csv "$@")
    child_cpu; before=$CHILD_CPU
    if [ "$pre" = 1 ]; then
        env "${PRE_ENV[@]}" LD_PRELOAD="$LIB" "${cmd[@]}" > "$out" 2>/dev/null
    else
        "${cmd[@]}" > "$out" 2>/dev/null
    fi
    rc=$?
    child_cpu
    [ $rc = 0 ] || { echo "redis_bench: $label failed (rc $rc)"; exit 1; }
    RPS_SET=$(awk -F'"' '$2 == "SET" { print $4 }' "$out")
    RPS_GET=$(awk -F'"' '$2 == "GET" { print $4 }' "$out")
    CPU_NS=$(awk -v a="$CHILD_CPU" -v b="$before" -v n="$N" 'BEGIN { printf "%.0f", (a - b) * 1e9 / (2 * n) }')
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b > 0) printf "%.3f", a/b; else print "n/a" }'; }

printf 'redis-benchmark -c %s -n %s -t get,set (100%% sampling, console exporter to /dev/null)\n\n' "$C" "$N"
printf '%-10s %-22s %12s %12s %14s\n' variant side SET/s GET/s "client CPU/cmd"
for P in 1 16; do
    extra=(); [ "$P" = 1 ] || extra=(-P "$P")
    run "base-P$P" "$BARE_PORT" 0 "${extra[@]}";   B_SET=$RPS_SET; B_GET=$RPS_GET; B_CPU=$CPU_NS
    run "client-P$P" "$BARE_PORT" 1 "${extra[@]}"; C_SET=$RPS_SET; C_GET=$RPS_GET; C_CPU=$CPU_NS
    run "server-P$P" "$PRE_PORT" 0 "${extra[@]}";  S_SET=$RPS_SET; S_GET=$RPS_GET
    printf '%-10s %-22s %12s %12s %11s ns\n' "-P $P" "bare" "$B_SET" "$B_GET" "$B_CPU"
    printf '%-10s %-22s %12s %12s %11s ns\n' "-P $P" "client under library" "$C_SET" "$C_GET" "$C_CPU"
    printf '%-10s %-22s %12s %12s\n' "-P $P" "server under library" "$S_SET" "$S_GET"
    printf '%-10s ratios: client SET %s GET %s | server SET %s GET %s | client CPU added %s ns/command\n\n' \
        "-P $P" "$(ratio "$C_SET" "$B_SET")" "$(ratio "$C_GET" "$B_GET")" \
        "$(ratio "$S_SET" "$B_SET")" "$(ratio "$S_GET" "$B_GET")" "$((C_CPU - B_CPU))"
done

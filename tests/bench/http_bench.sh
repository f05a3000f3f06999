#!/bin/sh
# http_bench.sh — wrk → nginx (one worker, static 1.4 KB file), nginx bare vs under the
# library with 100% and with 1% sampling, all in one run, rounds interleaved (A B C A B C ...)
# so the machine's noise hits each the same. Prints requests/s, the ratios to bare, and the
# CPU time the nginx worker's application thread spends per request (utime+stime of that
# thread only: the exporter thread is not counted), whose difference to bare is the cost
# the library adds on the application thread. That figure has a 10 ms tick resolution and
# carries the noise of a shared machine, so a second part measures it precisely with
# tests/progs/http_loop (server and client thread CPU per request, RUSAGE_THREAD, best of
# ROUNDS, bare vs under the library): the server side parses and records, the client side
# also injects traceparent.
#
# usage: tests/bench/http_bench.sh [LIB] [SECONDS] [ROUNDS] [CONNECTIONS] [LOOP-REQUESTS]
# Spans go to the console exporter writing to /dev/null (encoding cost included, on the
# exporter thread); metrics off. Override with OTEL_TRACES_EXPORTER etc. in the environment.
set -eu
LIB=$(readlink -f "${1:-build/libgenesis_auto.so}")
SECS=${2:-5}
ROUNDS=${3:-3}
CONNS=${4:-20}
LOOPN=${5:-100000}
LOOP=$(dirname "$LIB")/tests/progs/http_loop
command -v wrk >/dev/null && command -v nginx >/dev/null || { echo "needs wrk and nginx" >&2; exit 2; }
[ -f "$LIB" ] || { echo "no library at $LIB" >&2; exit 2; }
D=$(mktemp -d /tmp/ga-http-bench.XXXXXX)
PIDS=""
cleanup() { for p in $PIDS; do kill -QUIT "$p" 2>/dev/null || true; done; sleep 0.3; rm -rf "$D"; }
trap cleanup EXIT INT TERM

port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
head -c 1400 /dev/urandom | base64 -w 100 | head -c 1400 > "$D/index.html"

# start NAME PRELOAD(0|1) [ENV...]: one nginx, prints its port
start() {
    name=$1; pre=$2; shift 2
    p=$(port); mkdir -p "$D/$name"
    cat > "$D/$name/nginx.conf" <<EOF
user root; daemon off; worker_processes 1; pid $D/$name/nginx.pid; error_log $D/$name/error.log;
events { worker_connections 1024; }
http { access_log off; keepalive_requests 1000000; client_body_temp_path $D/$name/cb;
  proxy_temp_path $D/$name/px; fastcgi_temp_path $D/$name/fc; uwsgi_temp_path $D/$name/uw;
  scgi_temp_path $D/$name/sc;
  server { listen 127.0.0.1:$p; root $D; } }
EOF
    if [ "$pre" = 1 ]; then
        env OTEL_TRACES_EXPORTER="${OTEL_TRACES_EXPORTER:-console}" GENESIS_CONSOLE_FILE=/dev/null \
            OTEL_METRICS_EXPORTER="${OTEL_METRICS_EXPORTER:-none}" OTEL_LOGS_EXPORTER=none "$@" \
            LD_PRELOAD="$LIB" nginx -p "$D/$name" -e "$D/$name/error.log" -c "$D/$name/nginx.conf" &
    else
        nginx -p "$D/$name" -e "$D/$name/error.log" -c "$D/$name/nginx.conf" &
    fi
    PIDS="$PIDS $!"
    echo "$!" > "$D/$name/master"
    echo "$p" > "$D/$name/port"
}

# CPU ticks (utime+stime) of the worker's main thread
ticks() {
    w=$(cat "/proc/$(cat "$D/$1/master")/task/$(cat "$D/$1/master")/children" | awk '{print $1}')
    awk '{print $14 + $15}' "/proc/$w/task/$w/stat"
}

start bare 0
start s100 1
start s1 1 OTEL_TRACES_SAMPLER=traceidratio OTEL_TRACES_SAMPLER_ARG=0.01
sleep 1
HZ=$(getconf CLK_TCK)
for n in bare s100 s1; do echo 0 > "$D/$n/reqs"; echo 0 > "$D/$n/ticks"; done
r=1
while [ "$r" -le "$ROUNDS" ]; do
    for n in bare s100 s1; do
        t0=$(ticks "$n")
        out=$(wrk -t1 -c"$CONNS" -d"${SECS}s" "http://127.0.0.1:$(cat "$D/$n/port")/index.html")
        t1=$(ticks "$n")
        reqs=$(echo "$out" | awk '/requests in/ {print $1}')
        echo "round $r $n: $(echo "$out" | awk '/Requests\/sec/ {print $2}') req/s"
        echo $(( $(cat "$D/$n/reqs") + reqs )) > "$D/$n/reqs"
        echo $(( $(cat "$D/$n/ticks") + t1 - t0 )) > "$D/$n/ticks"
    done
    r=$((r + 1))
done
awk -v hz="$HZ" -v secs="$SECS" -v rounds="$ROUNDS" \
    -v rb="$(cat "$D/bare/reqs")" -v tb="$(cat "$D/bare/ticks")" \
    -v r1="$(cat "$D/s100/reqs")" -v t1="$(cat "$D/s100/ticks")" \
    -v r2="$(cat "$D/s1/reqs")" -v t2="$(cat "$D/s1/ticks")" 'BEGIN {
    d = secs * rounds
    nb = tb * 1e9 / hz / rb; n1 = t1 * 1e9 / hz / r1; n2 = t2 * 1e9 / hz / r2
    printf "bare         %8.0f req/s  %6.0f ns CPU/request (worker thread)\n", rb / d, nb
    printf "library 100%% %8.0f req/s  %6.0f ns CPU/request  ratio %.3f  +%.0f ns/request\n", r1 / d, n1, r1 / rb, n1 - nb
    printf "library 1%%   %8.0f req/s  %6.0f ns CPU/request  ratio %.3f  +%.0f ns/request\n", r2 / d, n2, r2 / rb, n2 - nb
}'

# Part 2: the application-thread cost, measured per thread
[ -x "$LOOP" ] || { echo "no $LOOP (make builds it)"; exit 0; }
loop() {  # NAME PRELOAD(0|1) [ENV...] → appends "server client" to $D/loop-NAME
    name=$1; pre=$2; shift 2
    if [ "$pre" = 1 ]; then
        env OTEL_TRACES_EXPORTER="${OTEL_TRACES_EXPORTER:-console}" GENESIS_CONSOLE_FILE=/dev/null \
            OTEL_METRICS_EXPORTER="${OTEL_METRICS_EXPORTER:-none}" OTEL_LOGS_EXPORTER=none "$@" \
            LD_PRELOAD="$LIB" "$LOOP" "$LOOPN"
    else
        "$LOOP" "$LOOPN"
    fi | awk '{print $2, $4}' >> "$D/loop-$name"
}
r=1
while [ "$r" -le "$ROUNDS" ]; do
    loop bare 0
    loop s100 1
    loop s1 1 OTEL_TRACES_SAMPLER=traceidratio OTEL_TRACES_SAMPLER_ARG=0.01
    r=$((r + 1))
done
best() { sort -n -k"$2" "$D/loop-$1" | head -1 | awk -v k="$2" '{print $k}'; }
sb=$(best bare 1); cb=$(best bare 2)
for n in s100 s1; do
    s=$(best $n 1); c=$(best $n 2)
    echo "http_loop $n: server thread +$((s - sb)) ns/request ($sb -> $s), client thread +$((c - cb)) ns/request ($cb -> $c), best of $ROUNDS x $LOOPN"
done

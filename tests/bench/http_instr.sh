#!/bin/sh
# http_instr.sh — application-thread instructions the library adds per HTTP request, counted
# by valgrind callgrind (deterministic, unlike wall clock). Two run lengths N1 < N2 of the
# same workload, bare and preloaded; (Ir(N2) - Ir(N1)) / (N2 - N1) is the cost of one
# request with start-up and shutdown cancelled; preloaded minus bare is what the library adds.
# Only the thread of interest is counted (--separate-threads=yes):
#
#   server   nginx (master_process off: the worker loop runs on the main thread), keep-alive
#            static GET of a 1.4 KB file from one connection; the same with EXTRA more
#            request header lines the library does not follow (per extra line = difference / EXTRA)
#   client   tests/progs/http_loop's client thread (its main thread): keep-alive GET, 1.65 KB
#            nginx-like response; with traceparent injection (the default) and with
#            GENESIS_PROPAGATE=0
#
# Each preloaded figure is given with every exporter `none` and with OTLP traces and metrics
# exported to a local genesis-view receiver (the exporter thread is then busy; it is not
# counted, but the application thread pays what a second active thread costs it).
#
# usage: tests/bench/http_instr.sh [LIB] [WHAT]     WHAT: all (default) | server | client
#        N1, N2 (requests, default 100 and 600), EXTRA (default 10), BUILD (where http_loop
#        and genesis-view are, default build) in the environment.
set -eu
LIB=$(readlink -f "${1:-build/libgenesis_auto.so}")
WHAT=${2:-all}
N1=${N1:-100}
N2=${N2:-600}
EXTRA=${EXTRA:-10}
BUILD=${BUILD:-build}
LOOP=$BUILD/tests/progs/http_loop
VIEW=$BUILD/genesis-view
PY=/usr/bin/python3
command -v valgrind >/dev/null && command -v nginx >/dev/null || { echo "needs valgrind and nginx" >&2; exit 2; }
[ -f "$LIB" ] || { echo "no library at $LIB" >&2; exit 2; }
D=$(mktemp -d /tmp/ga-http-instr.XXXXXX)
VPID=
cleanup() { [ -z "$VPID" ] || kill "$VPID" 2>/dev/null || true; rm -rf "$D"; }
trap cleanup EXIT INT TERM
while read -r v; do [ -z "$v" ] || unset "$v"; done <<EOF
$(env | sed -n 's/^\(\(OTEL_\|GENESIS_\)[A-Za-z0-9_]*\)=.*/\1/p')
EOF
unset LD_PRELOAD

port() { $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
head -c 1400 /dev/urandom | base64 -w 100 | head -c 1400 > "$D/index.html"

# Exporter settings: none, or OTLP to a local receiver (started once).
ENV_NONE="OTEL_TRACES_EXPORTER=none OTEL_METRICS_EXPORTER=none OTEL_LOGS_EXPORTER=none"
ENV_OTLP=
if [ -x "$VIEW" ]; then
    vp=$(port)
    "$VIEW" --quiet --port "$vp" >/dev/null 2>&1 &
    VPID=$!
    ENV_OTLP="OTEL_TRACES_EXPORTER=otlp OTEL_METRICS_EXPORTER=otlp OTEL_LOGS_EXPORTER=none OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:$vp OTEL_METRIC_EXPORT_INTERVAL=200"
fi

# Ir of thread T of a callgrind run whose files start with $1 (callgrind.out.PID-0T).
thread_ir() { awk '/^(summary|totals):/ {print $2; exit}' "$1-0$2"; }

CG="valgrind --tool=callgrind --separate-threads=yes --dump-instr=no --compress-strings=no --compress-pos=no"

# nginx_run TAG N EXTRA PRELOAD ENV...: nginx under callgrind serving N requests; prints Ir
# of its main (worker) thread.
nginx_run() {
    tag=$1; n=$2; extra=$3; pre=$4; shift 4
    p=$(port); W=$D/ng-$tag-$n-$extra; mkdir -p "$W"
    cat > "$W/nginx.conf" <<EOF
user root; daemon off; master_process off; worker_processes 1; pid $W/nginx.pid; error_log $W/error.log;
events { worker_connections 64; }
http { access_log off; keepalive_requests 1000000; client_body_temp_path $W/cb;
  proxy_temp_path $W/px; fastcgi_temp_path $W/fc; uwsgi_temp_path $W/uw; scgi_temp_path $W/sc;
  server { listen 127.0.0.1:$p; root $D; } }
EOF
    if [ "$pre" = 1 ]; then
        env "$@" LD_PRELOAD="$LIB" $CG --callgrind-out-file="$W/cg.%p" \
            nginx -p "$W" -e "$W/error.log" -c "$W/nginx.conf" 2>"$W/vg.log" &
    else
        $CG --callgrind-out-file="$W/cg.%p" nginx -p "$W" -e "$W/error.log" -c "$W/nginx.conf" 2>"$W/vg.log" &
    fi
    pid=$!
    $PY - "$p" "$n" "$extra" <<'PYEOF'
import socket, sys, time
port, n, extra = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
lines = ["Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
         "Accept-Language: en-US,en;q=0.5", "Accept-Encoding: identity",
         "Cache-Control: no-cache", "Pragma: no-cache", "DNT: 1",
         "Cookie: session=6f1c2b7d0e9a4c3b8a7f6e5d4c3b2a19; theme=dark",
         "Referer: http://127.0.0.1/start/page.html", "Sec-Fetch-Mode: navigate",
         "Upgrade-Insecure-Requests: 1"]
extra_lines = "".join(lines[i % len(lines)] + "\r\n" for i in range(extra))
req = ("GET /index.html HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n%s\r\n" % (port, extra_lines)).encode()
for _ in range(600):
    try:
        s = socket.create_connection(("127.0.0.1", port)); break
    except OSError:
        time.sleep(0.05)
buf = b""
for _ in range(n):
    s.sendall(req)
    while True:
        h = buf.find(b"\r\n\r\n")
        if h >= 0:
            cl = int([l.split(b":")[1] for l in buf[:h].split(b"\r\n") if l.lower().startswith(b"content-length:")][0])
            if len(buf) >= h + 4 + cl:
                assert buf.startswith(b"HTTP/1.1 200"), buf[:40]
                buf = buf[h + 4 + cl:]; break
        d = s.recv(65536)
        assert d, "closed"
        buf += d
s.close()
PYEOF
    sleep 0.3
    kill -TERM "$pid"
    wait "$pid" || true
    f=$(ls "$W"/cg.* | grep -v -- '-0[2-9]$' | head -1 | sed 's/-01$//')
    thread_ir "$f" 1
}

# loop_run TAG N PRELOAD ENV...: http_loop under callgrind; prints Ir of the client thread.
loop_run() {
    tag=$1; n=$2; pre=$3; shift 3
    W=$D/lp-$tag-$n; mkdir -p "$W"
    if [ "$pre" = 1 ]; then
        env "$@" LD_PRELOAD="$LIB" $CG --callgrind-out-file="$W/cg.%p" "$LOOP" "$n" >/dev/null 2>"$W/vg.log"
    else
        $CG --callgrind-out-file="$W/cg.%p" "$LOOP" "$n" >/dev/null 2>"$W/vg.log"
    fi
    f=$(ls "$W"/cg.*-01 | sed 's/-01$//')
    thread_ir "$f" 1
}

per() { echo $(( ($2 - $1) / (N2 - N1) )); }

server() {  # LABEL EXTRA PRELOAD ENV...
    label=$1; ex=$2; shift 2
    a=$(nginx_run "$label" "$N1" "$ex" "$@"); b=$(nginx_run "$label" "$N2" "$ex" "$@")
    per "$a" "$b"
}
client() {  # LABEL PRELOAD ENV...
    label=$1; shift
    a=$(loop_run "$label" "$N1" "$@"); b=$(loop_run "$label" "$N2" "$@")
    per "$a" "$b"
}

echo "library: $LIB ($(date -r "$LIB" '+%F %T'))  N1=$N1 N2=$N2 EXTRA=$EXTRA"
if [ "$WHAT" = all ] || [ "$WHAT" = server ]; then
    sb=$(server bare 0 0); sbx=$(server barex "$EXTRA" 0)
    echo "server bare: $sb per request, $(( (sbx - sb) / EXTRA )) per extra header line"
    for ex in none otlp; do
        [ $ex = otlp ] && [ -z "$ENV_OTLP" ] && continue
        envs=$ENV_NONE; [ $ex = otlp ] && envs=$ENV_OTLP
        # shellcheck disable=SC2086
        s=$(server "pre-$ex" 0 1 $envs); sx=$(server "prex-$ex" "$EXTRA" 1 $envs)
        echo "server exporters $ex: +$((s - sb)) per request, +$(( ((sx - s) - (sbx - sb)) / EXTRA )) per extra header line"
    done
fi
if [ "$WHAT" = all ] || [ "$WHAT" = client ]; then
    [ -x "$LOOP" ] || { echo "no $LOOP (make build-all builds it)"; exit 2; }
    cb=$(client bare 0)
    echo "client bare: $cb per request"
    for ex in none otlp; do
        [ $ex = otlp ] && [ -z "$ENV_OTLP" ] && continue
        envs=$ENV_NONE; [ $ex = otlp ] && envs=$ENV_OTLP
        # shellcheck disable=SC2086
        ci=$(client "inj-$ex" 1 $envs); cn=$(client "noinj-$ex" 1 GENESIS_PROPAGATE=0 $envs)
        echo "client exporters $ex: +$((ci - cb)) with injection, +$((cn - cb)) without (injection +$((ci - cn)))"
    done
fi

#!/usr/bin/env bash
# demo.sh — an IM backend instrumented with zero code changes, end to end, on this machine.
#
# Starts redis-server, mariadbd and nats-server (bare, on free 127.0.0.1 ports, in a temporary
# directory),
# the embedded OTLP receiver and viewer genesis-view, and under the library: the three IM
# processes of examples/im (im-gateway, im-logic, im-comet) and bob's "phone" (device.py).
# Like production, every process samples 1 % of traces at the head and keeps, with local tail
# sampling, its part of any trace that failed or was slow (docs/sampling.md).
# Then sends a few messages with curl, itself under the library, and prints:
#   - the trace waterfall of one send crossing every process (curl → gateway → logic → MySQL and
#     Redis → NATS → comet → phone), of a send whose delivery failed, and of a history read that
#     missed the cache and ran the slow query;
#   - how many request segments tail sampling kept and discarded, per service (self-metrics);
#   - a RED summary per service (and per database operation) from the OTLP metrics;
#   - an excerpt of im-logic's Prometheus endpoint (OpenMetrics) with an exemplar, and what
#     promtool says of every service's scrape;
#   - where each piece came from;
#   - the log lines of the delivered send's trace and of the failed delivery's: the JSON lines
#     the IM programs write on stdout, pushed by the library to /v1/logs with their trace id.
# Everything it started is stopped on exit, Ctrl-C included.
#
# It builds nothing: `make demo` installs what is missing and builds first. The library is
# $GENESIS_LIB if set, else build/libgenesis_auto.so (or $BUILD/...).
# Options:
#   --keep       keep the temporary directory (logs, spans, scrapes) and print its path
#   --dir DIR    work in DIR (created; kept) instead of a temporary directory
#   -h, --help   this text

set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
root=${here%/*}
# shellcheck source-path=SCRIPTDIR source=lib/common.sh disable=SC1091
. "$here/lib/common.sh"
# shellcheck source-path=SCRIPTDIR source=lib/servers.sh disable=SC1091
. "$here/lib/servers.sh"

keep=0
dir=
while [[ $# -gt 0 ]]; do
    case $1 in
        --keep) keep=1 ;;
        --dir)
            [[ $# -ge 2 ]] || ga_die "--dir needs a directory"
            dir=$2
            keep=1
            shift
            ;;
        --dir=*) dir=${1#--dir=} keep=1 ;;
        -h | --help)
            sed -n '2,/^$/{s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"
            exit 0
            ;;
        *) ga_die "unknown argument '$1' (try --help)" ;;
    esac
    shift
done

build=$root/${BUILD:-build}
lib=$(ga_lib_path "$root")
[[ -f $lib ]] || ga_die "library not found: $lib — run 'make demo' (it builds the library first)"
for prog in im-gateway im-logic im-comet genesis-view; do
    [[ -x $build/$prog ]] || ga_die "$build/$prog not found — run 'make demo' (it builds first)"
done
for tool in redis-server mariadbd mariadb-install-db mariadb nats-server curl promtool "$GA_PY"; do
    command -v "$tool" >/dev/null 2>&1 || ga_die "'$tool' is missing — run scripts/install-deps.sh"
done
launcher=$root/scripts/genesis-run
im=$root/examples/im

if [[ -n $dir ]]; then
    mkdir -p -- "$dir"
    tmp=$(cd -- "$dir" && pwd -P)
else
    tmp=$(mktemp -d -t genesis-demo.XXXXXX)
fi
pids=() # every process started, stopped in reverse order by cleanup; also listed in $tmp/pids
: >"$tmp/pids"
started() {
    pids+=("$1")
    echo "$1" >>"$tmp/pids"
}

cleanup() {
    local rc=$? i
    trap - EXIT INT TERM
    for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
        ga_stop "${pids[i]}" TERM 5
    done
    if [[ $keep -eq 1 ]]; then
        ga_note "kept $tmp"
    else
        rm -rf -- "$tmp"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Telemetry settings shared by every process under the library. Spans and log records reach the
# viewer within 0.2 s, metrics every second; all are pushed over OTLP/HTTP, and each IM process
# also serves Prometheus on its own port. Sampling as in production: 1 % at the head, and local
# tail sampling of errors and of requests slower than 10 ms (the history read that misses the
# cache takes 20 ms or more, a send about 3 ms; on a busy machine some sends are kept as slow too).
unset OTEL_SERVICE_NAME OTEL_TRACES_SAMPLER OTEL_TRACES_SAMPLER_ARG OTEL_SDK_DISABLED \
    OTEL_RESOURCE_ATTRIBUTES GENESIS_DISABLED GENESIS_INCLUDE GENESIS_EXCLUDE TRACEPARENT TRACESTATE \
    OTEL_TRACES_EXPORTER OTEL_EXPORTER_OTLP_ENDPOINT OTEL_EXPORTER_PROMETHEUS_HOST
export OTEL_BSP_SCHEDULE_DELAY=200 OTEL_METRIC_EXPORT_INTERVAL=1000 GENESIS_EXIT_FLUSH_MS=2000
export OTEL_LOGS_EXPORTER=otlp OTEL_BLRP_SCHEDULE_DELAY=200
export OTEL_TRACES_SAMPLER=parentbased_traceidratio OTEL_TRACES_SAMPLER_ARG=0.01 \
    GENESIS_TAIL_SAMPLING=errors,slow GENESIS_TAIL_SLOW_MS=10

echo "genesis-auto demo — an IM backend with no tracing code, observed through LD_PRELOAD"
echo "library: $lib"
echo

# ------------------------------------------------------------------------------ infrastructure
view_port=$(ga_free_port)
view_url=http://127.0.0.1:$view_port
"$build/genesis-view" --port "$view_port" --settle-ms 1000 --jsonl "$tmp/view.jsonl" \
    >"$tmp/view.out" 2>"$tmp/view.err" &
view_pid=$!
started "$view_pid"
ga_wait_for_line "$tmp/view.err" "listening" 10 "$view_pid" ||
    ga_die "genesis-view did not start: $(tail -n 5 "$tmp/view.err" 2>/dev/null)"
echo "started  genesis-view, the OTLP receiver and viewer, on $view_url"

ga_redis_start "$tmp/redis"
started "$GA_REDIS_PID"
ga_nats_start "$tmp/nats"
started "$GA_NATS_PID"
ga_mariadb_start "$tmp/mariadb" || exit 1
started "$GA_MARIADB_PID"
ga_redis_wait "$tmp/redis" || exit 1
echo "started  redis-server on 127.0.0.1:$GA_REDIS_PORT (not observed)"
ga_nats_wait "$tmp/nats" || exit 1
echo "started  nats-server on 127.0.0.1:$GA_NATS_PORT (not observed: a Go program)"
ga_mariadb_wait "$tmp/mariadb" || exit 1
db_port=$GA_MARIADB_PORT
db_password=im-demo-$RANDOM$RANDOM
{
    cat "$im/schema.sql"
    printf "CREATE USER 'im'@'%%' IDENTIFIED BY '%s';\nGRANT ALL ON im.* TO 'im'@'%%';\n" "$db_password"
} | ga_mariadb_sql "$db_port" >"$tmp/schema.log" 2>&1 || ga_die "schema failed: $(tail -n 5 "$tmp/schema.log")"
ga_mariadb_sql "$db_port" im <"$im/seed.sql" >>"$tmp/schema.log" 2>&1 ||
    ga_die "seeding failed: $(tail -n 5 "$tmp/schema.log")"
rows=$(echo 'SELECT COUNT(*) FROM messages' | ga_mariadb_sql "$db_port" im | tail -n 1)
echo "started  mariadbd on 127.0.0.1:$db_port (not observed): database im, $rows old messages"

# ------------------------------------------------------------------------- the IM processes
# observe NAME PROM_PORT|- CMD... — run CMD in the background under the library as service NAME,
# its stderr in $tmp/NAME.log; PROM_PORT: also serve Prometheus there. Sets $last_pid.
observe() {
    local name=$1 prom=$2
    shift 2
    (
        if [[ $prom == - ]]; then
            export OTEL_METRICS_EXPORTER=otlp
        else
            export OTEL_METRICS_EXPORTER=otlp,prometheus OTEL_EXPORTER_PROMETHEUS_PORT=$prom
        fi
        exec "$launcher" --lib "$lib" --service "$name" --endpoint "$view_url" -- "$@"
    ) >"$tmp/$name.out" 2>"$tmp/$name.log" </dev/null &
    last_pid=$!
    started "$last_pid"
}

# wait_ready NAME — wait for NAME's "listening" line.
wait_ready() {
    ga_wait_for_line "$tmp/$1.log" "listening on" 15 "$last_pid" ||
        ga_die "$1 did not start: $(tail -n 5 "$tmp/$1.log" 2>/dev/null)"
}

# Eight distinct free ports; nobody listens on gone_port (carol's phone that went away).
read -r -d '' gw_port logic_port comet_port phone_port gone_port p_gw p_logic p_comet \
    < <(ga_free_ports 8) || true
declare -A prom=([im-gateway]=$p_gw [im-logic]=$p_logic [im-comet]=$p_comet)
printf '%s %s\n' im-gateway "$gw_port" im-logic "$logic_port" im-comet "$comet_port" \
    bob-phone "$phone_port" carol-phone-gone "$gone_port" >"$tmp/ports.tsv"

observe im-device - "$GA_PY" -u "$im/device.py" --port "$phone_port" --name bob
wait_ready im-device
observe im-comet "${prom[im-comet]}" "$build/im-comet" --listen "127.0.0.1:$comet_port" \
    --redis "127.0.0.1:$GA_REDIS_PORT" --nats "127.0.0.1:$GA_NATS_PORT"
wait_ready im-comet
observe im-logic "${prom[im-logic]}" "$build/im-logic" --listen "127.0.0.1:$logic_port" \
    --mysql "127.0.0.1:$db_port" --mysql-user im --mysql-password "$db_password" --mysql-db im \
    --redis "127.0.0.1:$GA_REDIS_PORT" --nats "127.0.0.1:$GA_NATS_PORT"
wait_ready im-logic
observe im-gateway "${prom[im-gateway]}" "$build/im-gateway" --listen "127.0.0.1:$gw_port" \
    --logic "http://127.0.0.1:$logic_port"
wait_ready im-gateway
echo "started  under the library: im-gateway :$gw_port, im-logic :$logic_port," \
    "im-comet :$comet_port, bob's phone (device.py) :$phone_port"
echo "         Prometheus: im-gateway :${prom[im-gateway]}, im-logic :${prom[im-logic]}," \
    "im-comet :${prom[im-comet]}"
echo

# ------------------------------------------------------------------------------ the clients
# step LABEL URL [CURL ARGS...] — one curl under the library (service "curl"), tagged with the
# resource attribute demo.step=N so the report can find the trace it started. curl starts the
# trace, so its head decision is the one every process follows: "no" (always_off), as for 99 % of
# requests at 1 %, so that only tail sampling can keep them — unless the caller sets
# sampled=1, which traces the request on purpose (always_on), as one does to follow one request.
step=0
steps=$tmp/steps.tsv
: >"$steps"
step() {
    local label=$1 url=$2
    shift 2
    step=$((step + 1))
    local out rc=0
    out=$(OTEL_RESOURCE_ATTRIBUTES="demo.step=$step" OTEL_METRICS_EXPORTER=none OTEL_LOGS_EXPORTER=none \
        OTEL_TRACES_SAMPLER=$([[ ${sampled:-0} == 1 ]] && echo always_on || echo always_off) \
        GENESIS_EXIT_FLUSH_MS=1000 timeout 20 "$launcher" --lib "$lib" --service curl \
        --endpoint "$view_url" -- curl -sS -w ' [HTTP %{http_code}]' "$@" "$url" 2>&1) || rc=$?
    printf '%s\t%s\n' "$step" "$label" >>"$steps"
    printf '[%d] %s\n    curl %s\n    → %s%s\n' "$step" "$label" "$(quoted "$@" "$url")" \
        "$(printf '%s' "$out" | tr '\n' ' ' | cut -c1-150)" "$([[ $rc -eq 0 ]] || echo " (exit $rc)")"
}

# quoted ARG... — the words as one would type them (single quotes only where needed).
quoted() {
    local out="" a
    for a in "$@"; do
        if [[ $a =~ ^[A-Za-z0-9_./:=@%+,-]+$ ]]; then
            out+=" $a"
        else
            out+=" '${a//\'/\'\\\'\'}'"
        fi
    done
    printf '%s' "${out# }"
}

gw=http://127.0.0.1:$gw_port
echo "sending with curl, under the library:"
step "bob's phone connects to im-comet" \
    "http://127.0.0.1:$comet_port/connect?user=bob&device=http://127.0.0.1:$phone_port/push" -X POST
step "carol connected once, but her phone is gone" \
    "http://127.0.0.1:$comet_port/connect?user=carol&device=http://127.0.0.1:$gone_port/push" -X POST
sampled=1 step "alice → bob (online): delivered (traced on purpose)" "$gw/send" --data-urlencode from=alice \
    --data-urlencode to=bob --data-urlencode 'text=hi bob, lunch at noon?'
step "alice → carol (online, phone gone): delivery fails" "$gw/send" --data-urlencode from=alice \
    --data-urlencode to=carol --data-urlencode 'text=are you there?'
step "bob → dave (offline): stored for later" "$gw/send" --data-urlencode from=bob \
    --data-urlencode to=dave --data-urlencode 'text=see you tomorrow'
step "history of user7: cache miss, slow query" "$gw/history?user=user7"
sampled=1 step "history of user7 again: cache hit (traced on purpose)" "$gw/history?user=user7"
step "a bad request" "$gw/send" --data-urlencode from=alice
echo

# ------------------------------------------------------------------------- scrape, then stop
sleep 1.5 # one more metric export interval, so the last requests are in the pushed metrics
for svc in im-gateway im-logic im-comet; do
    curl -sS "http://127.0.0.1:${prom[$svc]}/metrics" >"$tmp/prom-$svc.txt" ||
        ga_die "could not scrape $svc's Prometheus endpoint"
done
curl -sS -H 'Accept: application/openmetrics-text; version=1.0.0' \
    "http://127.0.0.1:${prom[im-logic]}/metrics" >"$tmp/prom-im-logic.om" ||
    ga_die "could not scrape im-logic's Prometheus endpoint (OpenMetrics)"
: >"$tmp/promtool.txt"
for svc in im-gateway im-logic im-comet; do
    if promtool check metrics <"$tmp/prom-$svc.txt" >"$tmp/promtool-$svc.out" 2>&1; then
        printf '%s\tok\n' "$svc" >>"$tmp/promtool.txt"
    else
        printf '%s\t%s\n' "$svc" "$(tr '\n' ' ' <"$tmp/promtool-$svc.out")" >>"$tmp/promtool.txt"
    fi
done

# SIGTERM: each process returns from main, so the library flushes what it still holds.
for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    ga_stop "${pids[i]}" TERM 5
done
pids=()

"$GA_PY" "$here/lib/demo_report.py" "$tmp"

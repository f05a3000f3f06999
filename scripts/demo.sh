#!/usr/bin/env bash
# demo.sh — genesis-auto in thirty seconds, on this machine, with nothing to configure.
#
# Starts a Python http.server and a redis-server on free 127.0.0.1 ports in a temporary
# directory (both under the library), runs ordinary clients under the library through
# scripts/genesis-run with the console exporter writing JSON lines to temporary files — curl
# (including one request to a closed port, to show an error span), redis-cli PING/SET/GET,
# redis-py, and node's http.get when node is installed — then prints every span in a table and
# says which command each came from. Everything it started is stopped on exit, Ctrl-C included.
#
# It builds nothing: `make demo` builds the library first. The library is $GENESIS_LIB if set,
# else build/libgenesis_auto.so (or $BUILD/libgenesis_auto.so). Options: --keep keeps the
# temporary directory (raw JSON lines, server logs) and prints its path.

set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
root=${here%/*}
# shellcheck source-path=SCRIPTDIR source=lib/common.sh disable=SC1091
. "$here/lib/common.sh"

keep=0
for arg in "$@"; do
    case $arg in
        --keep) keep=1 ;;
        -h | --help)
            sed -n '2,/^$/{s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"
            exit 0
            ;;
        *) ga_die "unknown argument '$arg' (try --help)" ;;
    esac
done

lib=$(ga_lib_path "$root")
[[ -f $lib ]] || ga_die "library not found: $lib — run 'make demo' (it builds the library first)"
launcher=$root/scripts/genesis-run
for tool in redis-server redis-cli curl "$GA_PY"; do
    command -v "$tool" >/dev/null 2>&1 || ga_die "'$tool' is missing — run scripts/install-deps.sh"
done

tmp=$(mktemp -d -t genesis-demo.XXXXXX)
http_pid=
redis_pid=
view_pid=

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    ga_stop "$view_pid" TERM 3
    ga_stop "$http_pid" TERM 3
    ga_stop "$redis_pid" TERM 3
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

# Telemetry settings common to every process of the demo. Metrics are switched off: this demo
# shows spans. A short exit flush keeps each client's exit quick.
export OTEL_METRICS_EXPORTER=none
export GENESIS_EXIT_FLUSH_MS=300
export OTEL_BSP_SCHEDULE_DELAY=200     # spans reach the viewer within 0.2 s
unset OTEL_SERVICE_NAME OTEL_TRACES_SAMPLER OTEL_TRACES_SAMPLER_ARG OTEL_SDK_DISABLED \
    GENESIS_DISABLED GENESIS_INCLUDE GENESIS_EXCLUDE TRACEPARENT TRACESTATE

# Sources: one JSON-lines file each, described in sources.tsv (id, pid-less label, command).
sources=$tmp/sources.tsv
: >"$sources"

# launch ID SERVICE|- CMD... — exec CMD through genesis-run with its spans going to $tmp/ID.jsonl
# (exec: run in the background, $! is then the pid of CMD itself).
launch() {
    local id=$1 service=$2
    shift 2
    local args=(--lib "$lib" --console-file "$tmp/$id.jsonl" --endpoint "$view_url")
    [[ $service == - ]] || args+=(--service "$service")
    exec "$launcher" "${args[@]}" -- "$@"
}

describe() { # describe ID TEXT
    printf '%s\t%s\n' "$1" "$2" >>"$sources"
}

# ------------------------------------------------------------------------------------ servers
http_port=$(ga_free_port)
redis_port=$(ga_free_port)
closed_port=$(ga_free_port) # nobody listens there: connecting is refused

mkdir -p "$tmp/www" "$tmp/redis"
printf 'hello from genesis-auto\n' >"$tmp/www/hello.txt"

echo "genesis-auto demo — library: $lib"
echo

# The embedded default viewer: an OTLP/HTTP receiver printing each trace as a waterfall.
view_port=$(ga_free_port)
view_url=http://127.0.0.1:$view_port
"$root/build/genesis-view" --port "$view_port" --settle-ms 400 --jsonl "$tmp/view.jsonl" \
    >"$tmp/view.out" 2>"$tmp/view.err" &
view_pid=$!
ga_wait_for_line "$tmp/view.err" "listening" 10 "$view_pid" ||
    ga_die "genesis-view did not start: $(tail -n 5 "$tmp/view.err" 2>/dev/null)"
echo "started  genesis-view (OTLP receiver and viewer) on $view_url (pid $view_pid)"

# http.server, with SIGTERM turned into a normal exit so the library flushes its spans at exit.
# (A background job of a script ignores SIGINT, and Python's default SIGTERM skips atexit.)
launch srv-http http.server "$GA_PY" -u -c '
import runpy, signal, sys
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
sys.argv = ["http.server"] + sys.argv[1:]
runpy.run_module("http.server", run_name="__main__")
' --bind 127.0.0.1 --directory "$tmp/www" "$http_port" >"$tmp/http.log" 2>&1 &
http_pid=$! # a subshell that execs genesis-run, which execs python3: the server's own pid
describe srv-http "server: python3 -m http.server --bind 127.0.0.1 $http_port"

launch srv-redis - redis-server --bind 127.0.0.1 --port "$redis_port" --dir "$tmp/redis" \
    --save '' --appendonly no --daemonize no --logfile "$tmp/redis.log" >/dev/null 2>&1 &
redis_pid=$!
describe srv-redis "server: redis-server --bind 127.0.0.1 --port $redis_port"

ga_wait_for_line "$tmp/http.log" "Serving HTTP" 10 "$http_pid" ||
    ga_die "http.server did not start: $(tail -n 5 "$tmp/http.log" 2>/dev/null)"
ga_wait_for_line "$tmp/redis.log" "Ready to accept connections" 10 "$redis_pid" ||
    ga_die "redis-server did not start: $(tail -n 5 "$tmp/redis.log" 2>/dev/null)"
echo "started  python3 -m http.server on 127.0.0.1:$http_port (pid $http_pid)"
echo "started  redis-server on 127.0.0.1:$redis_port (pid $redis_pid)"
echo

# ------------------------------------------------------------------------------------ clients
step=0
# show_cmd ARG... — the command as one would type it (quotes only where needed).
show_cmd() {
    local out="" a
    for a in "$@"; do
        [[ $a == "$GA_PY" ]] && a=python3
        if [[ $a =~ ^[A-Za-z0-9_./:=@%+,-]+$ ]]; then
            out+=" $a"
        else
            out+=" '${a//\'/\'\\\'\'}'"
        fi
    done
    printf '%s\n' "${out# }"
}

# client SERVICE|- LABEL|- CMD... — run one client under the library (spans to $tmp/cNN.jsonl),
# show its command (or LABEL), its output and its exit status.
client() {
    local service=$1 shown=$2
    shift 2
    step=$((step + 1))
    local id
    id=$(printf 'c%02d' "$step")
    [[ $shown != - ]] || shown=$(show_cmd "$@")
    describe "$id" "$shown"
    local args=(--lib "$lib" --console-file "$tmp/$id.jsonl" --endpoint "$view_url")
    [[ $service == - ]] || args+=(--service "$service")
    local rc=0
    timeout 15 "$launcher" "${args[@]}" -- "$@" >"$tmp/$id.out" 2>&1 </dev/null || rc=$?
    local out
    out=$(tr '\n' ' ' <"$tmp/$id.out" | cut -c1-90) || true
    printf '[%d] %s\n      → %s(exit %d)\n' "$step" "$shown" "${out:+$out }" "$rc"
}

echo "running clients under the library:"
client - - curl -sS -o /dev/null -w 'HTTP %{http_code}' "http://127.0.0.1:$http_port/"
client - - curl -sS "http://127.0.0.1:$http_port/hello.txt"
client - - curl -sS -o /dev/null -w 'HTTP %{http_code}' "http://127.0.0.1:$http_port/missing"
client - - curl -sS "http://127.0.0.1:$closed_port/"

# A batch job's steps joined into one trace: TRACEPARENT makes them children of one parent.
trace_id=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
parent_id=$(od -An -tx1 -N8 /dev/urandom | tr -d ' \n')
export TRACEPARENT="00-$trace_id-$parent_id-01"
first_joined=$((step + 1))
client - - redis-cli -h 127.0.0.1 -p "$redis_port" PING
client - - redis-cli -h 127.0.0.1 -p "$redis_port" SET demo:greeting hello
client - - redis-cli -h 127.0.0.1 -p "$redis_port" GET demo:greeting
last_joined=$step
unset TRACEPARENT

if "$GA_PY" -c 'import redis' 2>/dev/null; then
    client redis-py "python3 -c 'redis.Redis(port=$redis_port).incr(\"demo:hits\")'  (redis-py)" \
        "$GA_PY" -c "import redis
r = redis.Redis(host='127.0.0.1', port=$redis_port)
print('INCR ->', r.incr('demo:hits'))"
fi
if command -v node >/dev/null 2>&1; then
    client - "node -e 'http.get(\"http://127.0.0.1:$http_port/hello.txt\")'" \
        node -e "require('http').get('http://127.0.0.1:$http_port/hello.txt', r => {
  console.log('HTTP', r.statusCode); r.resume(); })"
fi
echo

# Stop the servers the graceful way so they flush their spans at exit.
ga_stop "$http_pid" TERM 5
ga_stop "$redis_pid" TERM 5
http_pid=
redis_pid=
sleep 0.6                               # the viewer prints a trace 0.4 s after its last span
ga_stop "$view_pid" INT 5
view_pid=
echo "trace waterfalls, as the OTLP receiver genesis-view got them over OTLP/HTTP:"
echo
cat "$tmp/view.out"
echo

# ------------------------------------------------------------------------------------ report
"$GA_PY" - "$tmp" "$first_joined" "$last_joined" "$trace_id" <<'PYEOF'
import json, os, sys

tmp, first_joined, last_joined, joined_trace = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]

sources = []
with open(os.path.join(tmp, "sources.tsv")) as f:
    for line in f:
        sid, text = line.rstrip("\n").split("\t", 1)
        sources.append((sid, text))

def label(sid):
    return "#" + str(int(sid[1:])) if sid.startswith("c") else sid[4:]

rows, selfs, bad = [], [], 0
for sid, text in sources:
    path = os.path.join(tmp, sid + ".jsonl")
    if not os.path.exists(path):
        continue
    with open(path, errors="replace") as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            try:
                obj = json.loads(line)
            except ValueError:
                bad += 1
                continue
            if obj.get("type") == "span":
                rows.append((sid, obj))
            elif obj.get("type") == "self":
                selfs.append(obj)

def duration(obj):
    try:
        ns = int(obj["end_time_unix_nano"]) - int(obj["start_time_unix_nano"])
    except (KeyError, TypeError, ValueError):
        return "?"
    if ns < 1_000_000:
        return "%d µs" % (ns // 1000)
    if ns < 10_000_000_000:
        return "%.2f ms" % (ns / 1e6)
    return "%.1f s" % (ns / 1e9)

def status(obj):
    code = (obj.get("status") or {}).get("code", "?")
    err = (obj.get("attributes") or {}).get("error.type")
    return code + (" " + str(err) if err else "")

table = []
for sid, obj in rows:
    res = obj.get("resource") or {}
    trace = obj.get("trace_id", "")
    table.append((
        label(sid),
        str(res.get("service.name", "?")),
        str(obj.get("name", "?")),
        str(obj.get("kind", "?")),
        duration(obj),
        status(obj),
        trace[:8] + "…" if trace else "?",
        "child" if obj.get("parent_span_id") else "root",
    ))

head = ("FROM", "SERVICE", "SPAN", "KIND", "DURATION", "STATUS", "TRACE", "")
if not table:
    print("No spans were recorded. The library loaded but wrote nothing to the console files:")
    print("check that the build is complete (make) and look at GENESIS_LOG_LEVEL=debug output.")
    sys.exit(1)

widths = [max(len(r[i]) for r in table + [head]) for i in range(len(head))]
widths[2] = min(widths[2], 44)
def fmt(r):
    cells = [r[i][:widths[i]].ljust(widths[i]) for i in range(len(head))]
    return "  ".join(cells).rstrip()
print("%d spans:" % len(table))
print(fmt(head))
print("  ".join("-" * w for w in widths[:-1]))
for r in table:
    print(fmt(r))
print()
print("where they came from:")
with_spans = {sid for sid, _ in rows}
for sid, text in sources:
    n = sum(1 for s, _ in rows if s == sid)
    print("  %-10s %s  (%d span%s)" % (label(sid), text, n, "" if n == 1 else "s"))
if first_joined <= last_joined:
    print()
    print("#%d-#%d ran with TRACEPARENT=00-%s-…-01, so their spans share trace %s…:"
          % (first_joined, last_joined, joined_trace, joined_trace[:8]))
    print("that is how a batch job or a shell script ties its commands into one trace.")
if selfs:
    tot = {k: sum(int(s.get(k, 0)) for s in selfs) for k in
           ("operations", "spans_exported", "spans_sampled_out", "dropped_queue_full", "export_failures")}
    print()
    print("self-metrics of %d processes: %d operations, %d spans exported, %d sampled out, "
          "%d dropped (queue full), %d export failures"
          % (len(selfs), tot["operations"], tot["spans_exported"], tot["spans_sampled_out"],
             tot["dropped_queue_full"], tot["export_failures"]))
if bad:
    print("(%d lines were not JSON)" % bad)
PYEOF

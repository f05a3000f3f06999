#!/usr/bin/env bash
# tests/bench/nats_bench.sh — NATS cost in instructions per message (callgrind, deterministic):
# each workload of tests/bench/nats_bench.c runs bare and under the library at two lengths (N1,
# N2) against a nats-server started here on a free loopback port; per thread, (instr(N2) -
# instr(N1)) / (N2 - N1), preloaded minus bare = what the library adds per message on that
# thread. Threads are told apart by what they run: the main thread, libnats' flusher (it sends)
# and reader (it receives), the subscription's callback thread, the exporter thread.
#
# Rows: a raw-socket client publishing one message per write (the wire injector, with and
# without propagation), libnats publishing (the publish hook on the application's thread, the
# wire injector on whichever thread sends), a raw-socket subscriber (delivery records and the
# active span) and a libnats subscriber (the callback span) — the libnats rows also with the
# symbol hooks off (GENESIS_NATS_LIBNATS=false: the wire alone). Goal (issue 15): publish with
# injection <= +600 instructions on the application thread.
#
# Knobs: BUILD (default build), NATS_BENCH_N1 / _N2 (default 2000 / 6000), NATS_BENCH_KEEP=1
# (keep the callgrind files), NATS_BENCH_ENV (more NAME=value words for every preloaded run, e.g.
# "OTEL_PROPAGATORS=b3" for the cost of the B3 fields). Exit 1 if a run fails.
set -u
cd "$(dirname "$0")/../.." || exit 1

BUILD=${BUILD:-build}
N1=${NATS_BENCH_N1:-2000}
N2=${NATS_BENCH_N2:-6000}
LIB=$PWD/$BUILD/libgenesis_auto.so
PROG=$PWD/$BUILD/tests/bench/nats_bench
PY=/usr/bin/python3
for f in "$LIB" "$PROG"; do
    [ -e "$f" ] || { echo "nats_bench: $f missing (make build-all)"; exit 1; }
done
for t in nats-server valgrind; do
    command -v $t >/dev/null || { echo "nats_bench: $t not installed (scripts/install-deps.sh)"; exit 1; }
done

while read -r v; do unset "$v"; done < <(compgen -e | grep -E '^(OTEL_|GENESIS_)')
unset LD_PRELOAD
PRE_ENV=(OTEL_TRACES_EXPORTER=console GENESIS_CONSOLE_FILE=/dev/null OTEL_METRICS_EXPORTER=none
         OTEL_LOGS_EXPORTER=none GENESIS_QUEUE_SIZE=65536)
read -r -a EXTRA_ENV <<< "${NATS_BENCH_ENV:-}"
PRE_ENV+=("${EXTRA_ENV[@]}")
TMP=$(mktemp -d)
NATS_PID=
cleanup() {
    [ -n "$NATS_PID" ] && kill "$NATS_PID" 2>/dev/null && wait "$NATS_PID" 2>/dev/null
    if [ -n "${NATS_BENCH_KEEP:-}" ]; then echo "nats_bench: kept $TMP"; else rm -rf "$TMP"; fi
}
trap cleanup EXIT

PORT=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
nats-server -a 127.0.0.1 -p "$PORT" -l "$TMP/nats.log" >/dev/null 2>&1 &
NATS_PID=$!
for _ in $(seq 100); do grep -q "Server is ready" "$TMP/nats.log" 2>/dev/null && break; sleep 0.05; done
URL=nats://127.0.0.1:$PORT

# measure NAME VARIANT(bare|pre|noprop|nolib) MODE N [PUBLISHER MODE]: callgrind files in $TMP/NAME-VARIANT-N.
measure() {
    local name=$1 variant=$2 mode=$3 n=$4 pubmode=${5:-}
    local out=$TMP/$name-$variant-$n env=()
    mkdir -p "$out"
    case $variant in
        pre) env=("${PRE_ENV[@]}" LD_PRELOAD="$LIB") ;;
        noprop) env=("${PRE_ENV[@]}" GENESIS_PROPAGATE=0 LD_PRELOAD="$LIB") ;;
        nolib) env=("${PRE_ENV[@]}" GENESIS_NATS_LIBNATS=false LD_PRELOAD="$LIB") ;;
    esac
    local target=$PORT
    case $mode in lib-*) target=$URL ;; esac
    local vg=(valgrind --tool=callgrind --separate-threads=yes --callgrind-out-file="$out/cg.%p"
              --dump-instr=no --collect-jumps=no)
    if [ -z "$pubmode" ]; then
        env "${env[@]}" "${vg[@]}" "$PROG" "$mode" "$target" "$n" >"$out/stdout" 2>"$out/stderr" ||
            { echo "nats_bench: $name $variant $n failed: $(tail -n 3 "$out/stderr")"; return 1; }
        return 0
    fi
    # a subscriber under callgrind, fed by a bare publisher
    env "${env[@]}" "${vg[@]}" "$PROG" "$mode" "$target" "$n" >"$out/stdout" 2>"$out/stderr" &
    local sub=$!
    for _ in $(seq 600); do grep -q ready "$out/stdout" 2>/dev/null && break; sleep 0.05; done
    local ptarget=$PORT
    case $pubmode in lib-*) ptarget=$URL ;; esac
    "$PROG" "$pubmode" "$ptarget" "$n" >/dev/null 2>&1 || { echo "nats_bench: publisher failed"; kill $sub; return 1; }
    wait $sub || { echo "nats_bench: $name $variant $n failed: $(tail -n 3 "$out/stderr")"; return 1; }
}

# counts NAME VARIANT N: "class instructions" per thread of the run.
counts() {
    $PY - "$TMP/$1-$2-$3" <<'EOF'
import glob, re, sys
for path in sorted(glob.glob(sys.argv[1] + "/cg.*")):
    text = open(path, errors="replace").read()
    m = re.search(r"^(?:summary|totals):\s+(\d+)", text, re.M)
    total = int(m.group(1)) if m else 0
    tid = int(path.rsplit("-", 1)[1]) if "-" in path.rsplit("/", 1)[1] else 1
    names = " ".join(set(re.findall(r"fn=\(\d+\) (\S+)", text)))   # fn= and cfn= lines
    if tid == 1:
        cls = "main"
    elif "ga__main" in names:
        cls = "exporter"
    elif "natsSub_deliverMsgs" in names:
        cls = "callback"
    elif re.search(r"\b(recv|__libc_recv|ga__full_recv)\b", names):
        cls = "reader"
    elif re.search(r"\b(send|__libc_send|ga__full_send)\b", names):
        cls = "flusher"
    else:
        cls = "other"
    print(cls, total)
EOF
}

# per_msg NAME CLASS: added instructions per message on threads of CLASS: "bare pre added".
per_msg() {
    local name=$1 cls=$2 pvar=${3:-pre}
    local b1 b2 p1 p2
    b1=$(counts "$name" bare "$N1" | awk -v c="$cls" '$1 == c { s += $2 } END { print s + 0 }')
    b2=$(counts "$name" bare "$N2" | awk -v c="$cls" '$1 == c { s += $2 } END { print s + 0 }')
    p1=$(counts "$name" "$pvar" "$N1" | awk -v c="$cls" '$1 == c { s += $2 } END { print s + 0 }')
    p2=$(counts "$name" "$pvar" "$N2" | awk -v c="$cls" '$1 == c { s += $2 } END { print s + 0 }')
    awk -v b1="$b1" -v b2="$b2" -v p1="$p1" -v p2="$p2" -v n="$((N2 - N1))" 'BEGIN {
        b = (b2 - b1) / n; p = (p2 - p1) / n; printf "%.0f %.0f %+.0f", b, p, p - b }'
}

FAILED=0
run_all() {
    local name=$1 mode=$2 pub=${3:-} variants=${4:-"bare pre"}
    for v in $variants; do
        for n in "$N1" "$N2"; do
            measure "$name" "$v" "$mode" "$n" "$pub" || FAILED=1
        done
    done
}

run_all wirepub wire-pub "" "bare pre noprop"
run_all libpub lib-pub "" "bare pre nolib"
run_all wiresub wire-sub wire-pub
run_all wirepubnh wire-pub-nh
run_all wiresubnh wire-sub-nh wire-hpub
run_all wiresubh wire-sub wire-hpub
run_all libsub lib-sub lib-pub "bare pre nolib"

row() { printf '%-52s %-10s %9s %9s %9s\n' "$@"; }
{
echo "NATS instructions per message (callgrind, N = $N1 and $N2, differenced; 16-byte payloads)"
row "workload" "thread" "bare" "preloaded" "added"
row "--------" "------" "----" "---------" "-----"
read -r b p a < <(per_msg wirepub main);        row "raw client publish, one write each (injected)" main "$b" "$p" "$a"
read -r b p a < <(per_msg wirepub main noprop); row "  same, GENESIS_PROPAGATE=0" main "$b" "$p" "$a"
read -r b p a < <(per_msg libpub main);         row "libnats publish (natsConnection_Publish)" main "$b" "$p" "$a"
read -r b p a < <(per_msg libpub flusher);      row "  its flusher thread (batched sends, injected)" flusher "$b" "$p" "$a"
read -r b p a < <(per_msg libpub main nolib);   row "  same, GENESIS_NATS_LIBNATS=false (wire only)" main "$b" "$p" "$a"
read -r b p a < <(per_msg libpub flusher nolib); row "  its flusher thread, wire only" flusher "$b" "$p" "$a"
read -r b p a < <(per_msg wirepubnh main);      row "  same, CONNECT without headers (rewritten)" main "$b" "$p" "$a"
read -r b p a < <(per_msg wiresub main);        row "raw client receive (delivery span, active span)" main "$b" "$p" "$a"
read -r b p a < <(per_msg wiresubh main);       row "  same, messages with a traceparent (HMSG)" main "$b" "$p" "$a"
read -r b p a < <(per_msg wiresubnh main);      row "  same, CONNECT without headers: HMSG back to MSG" main "$b" "$p" "$a"
read -r b p a < <(per_msg libsub callback);     row "libnats subscription callback (process span)" callback "$b" "$p" "$a"
read -r b p a < <(per_msg libsub reader);       row "  its reader thread (framing only)" reader "$b" "$p" "$a"
read -r b p a < <(per_msg libsub reader nolib); row "  wire only: the reader thread (delivery spans)" reader "$b" "$p" "$a"
read -r b p a < <(per_msg libsub callback nolib); row "  wire only: the callback thread" callback "$b" "$p" "$a"
read -r b p a < <(per_msg wirepub exporter);    row "exporter thread per publish record (console)" exporter "$b" "$p" "$a"
echo "goal: publish with injection <= +600 instructions on the application thread"
} | tee "$BUILD/nats-bench.txt"
exit $FAILED

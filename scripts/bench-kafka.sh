#!/usr/bin/env bash
# scripts/bench-kafka.sh — what the Kafka hooks (plugins/kafka) add on the application thread, in
# instructions counted by valgrind's callgrind (exact and repeatable, unlike wall time on a shared
# machine). Workloads: tests/progs/kafka_bench against tests/progs/kafka_mock (librdkafka's mock
# cluster on 127.0.0.1, started here and never preloaded).
#
# Each figure is per message: the main thread's count (--separate-threads=yes, thread 1) of a run
# of N2 messages minus one of N1, divided by N2 - N1, so start-up and shutdown cancel; "added" is
# preloaded minus bare. Preloaded runs export spans for real (console to /dev/null), metrics off.
# librdkafka's own threads (brokers, the mock) and the exporter thread are not counted.
# The b3 rows are the same workloads with OTEL_PROPAGATORS=b3 (b3multi): what a Zipkin shop pays.
# Knobs: BUILD (default build), KAFKA_BENCH_N1/N2 (default 200/1200), KAFKA_BENCH_KEEP (a directory:
# the callgrind files are copied there as <variant>.<workload>[.<topic>].<n>.cg, main thread only, for
# `callgrind_annotate --auto=no` per function), KAFKA_BENCH_ROWS (a regular expression: only the
# rows whose label matches; default all). Needs valgrind.
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
LIB=$PWD/$BUILD/libgenesis_auto.so
P=$PWD/$BUILD/tests/progs
N1=${KAFKA_BENCH_N1:-200}
N2=${KAFKA_BENCH_N2:-1200}
[ -z "${KAFKA_BENCH_KEEP:-}" ] || mkdir -p "$KAFKA_BENCH_KEEP"
[ -x "$P/kafka_bench" ] && [ -x "$P/kafka_mock" ] && [ -f "$LIB" ] || {
    echo "bench-kafka: build first (make build-all)"; exit 1; }
command -v valgrind >/dev/null || { echo "bench-kafka: valgrind is not installed"; exit 1; }
while read -r v; do unset "$v"; done < <(compgen -e | grep -E '^(OTEL_|GENESIS_)')
unset LD_PRELOAD
TMP=$(mktemp -d)
mkfifo "$TMP/in"
"$P/kafka_mock" 1 "c-tp-$N1" "c-tp-$N2" "c-none-$N1" "c-none-$N2" "c-b3-$N1" "c-b3-$N2" >"$TMP/boot" 2>"$TMP/mock.err" <"$TMP/in" &
MOCK=$!
exec 3>"$TMP/in"                        # the mock serves until this end closes
trap 'exec 3>&-; wait $MOCK 2>/dev/null; rm -rf "$TMP"' EXIT
for _ in $(seq 100); do [ -s "$TMP/boot" ] && break; sleep 0.1; done
B=$(head -n1 "$TMP/boot")
[ -n "$B" ] || { echo "bench-kafka: the mock cluster did not start: $(cat "$TMP/mock.err")"; exit 1; }

PRE=(LD_PRELOAD="$LIB" OTEL_TRACES_EXPORTER=console GENESIS_CONSOLE_FILE=/dev/null OTEL_METRICS_EXPORTER=none
     OTEL_LOGS_EXPORTER=none)
seq_no=0

# Instructions of the main thread: ir bare|pre|nop workload topic n
ir() {
    local env=() out
    case $1 in
        pre) env=("${PRE[@]}") ;;
        nop) env=("${PRE[@]}" GENESIS_PROPAGATE=0) ;;
        b3) env=("${PRE[@]}" OTEL_PROPAGATORS=b3) ;;
        b3multi) env=("${PRE[@]}" OTEL_PROPAGATORS=b3multi) ;;
    esac
    seq_no=$((seq_no + 1))
    out=$TMP/cg.$seq_no
    env "${env[@]}" valgrind --tool=callgrind --separate-threads=yes --callgrind-out-file="$out" \
        "$P/kafka_bench" "$2" "$B" "$3" "$4" >/dev/null 2>&1 || { echo "bench-kafka: $2 $3 $4 ($1) failed"; exit 1; }
    local tag=$2.${3%-"$4"}             # produce topics are fresh every run: the workload names it
    case $2 in produce*) tag=$2 ;; esac
    [ -z "${KAFKA_BENCH_KEEP:-}" ] || cp "$out-01" "$KAFKA_BENCH_KEEP/$1.$tag.$4.cg"
    awk '/^(totals|summary):/ { print $2; exit }' "$out-01"
}

# Per message: per variant workload topic-prefix. Produce topics are fresh every run; a consumer
# of n messages reads a topic of exactly n, so that it closes with nothing left in its queue (a
# consumer stopping at 200 of 1,200 fetched messages destroyed the other 1,000 at its close, on
# the application thread or on librdkafka's by thread timing: ~270 per message, run to run).
per() {
    local t1=$3-$N1 t2=$3-$N2
    case $2 in produce*) t1=$3-$1-$N1-$RANDOM; t2=$3-$1-$N2-$RANDOM ;; esac
    local a b
    a=$(ir "$1" "$2" "$t1" "$N1")
    b=$(ir "$1" "$2" "$t2" "$N2")
    echo $(((b - a) / (N2 - N1)))
}

# The consume topics: n messages with a traceparent (a preloaded producer), n with a b3 (the
# same with OTEL_PROPAGATORS=b3), n without.
for n in "$N1" "$N2"; do
    env "${PRE[@]}" "$P/kafka_bench" produce "$B" "c-tp-$n" "$n" >/dev/null
    env "${PRE[@]}" OTEL_PROPAGATORS=b3 "$P/kafka_bench" produce "$B" "c-b3-$n" "$n" >/dev/null
    "$P/kafka_bench" produce "$B" "c-none-$n" "$n" >/dev/null
done

printf '%-58s %8s %10s %8s\n' "per message, application thread" "bare" "preloaded" "added"
row() {
    local label=$1 variant=$2 workload=$3 topic=$4 bare pre
    [[ $label =~ ${KAFKA_BENCH_ROWS:-.} ]] || return 0
    bare=$(per bare "$workload" "$topic")
    pre=$(per "$variant" "$workload" "$topic")
    printf '%-58s %8d %10d %8d\n' "$label" "$bare" "$pre" "$((pre - bare))"
}
row "producev, traceparent added (no delivery reports)" pre produce p
row "producev, traceparent added; dr callback + poll(0)" pre produce-dr p
row "producev, GENESIS_PROPAGATE=0 (span only)" nop produce p
row "producev, OTEL_PROPAGATORS=b3: b3 added" b3 produce p
row "producev, OTEL_PROPAGATORS=b3multi: X-B3-* added" b3multi produce p
scale="  (for scale: the application adding a traceparent itself)"
scale_list="  (the same header in a list of the application's)"
if [[ $scale =~ ${KAFKA_BENCH_ROWS:-.} || $scale_list =~ ${KAFKA_BENCH_ROWS:-.} ]]; then
    plain=$(per bare produce p)
    a=$(per bare produce-hdr p)
    printf '%-58s %8s %10s %8d\n' "$scale" "" "" "$((a - plain))"
    a=$(per bare produce-list p)
    printf '%-58s %8s %10s %8d\n' "$scale_list" "" "" "$((a - plain))"
fi
row "rd_kafka_consume, message with a traceparent" pre consume c-tp
row "rd_kafka_consume, message without headers" pre consume c-none
row "rd_kafka_consumer_poll (group), message with a traceparent" pre poll c-tp
row "rd_kafka_consume, message with a b3, OTEL_PROPAGATORS=b3" b3 consume c-b3
echo "(callgrind Ir of the main thread, (N=$N2 - N=$N1) / $((N2 - N1)); librdkafka's threads not counted)"

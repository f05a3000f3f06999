#!/usr/bin/env bash
# scripts/bench.sh — run the overhead benchmarks bare and under LD_PRELOAD=libgenesis_auto.so
# and print one table. Run through `make bench` (which builds everything first) or directly.
# See docs/benchmarks.md for what each row means.
#
# Knobs (environment): BUILD (default build), BENCH_ROUNDS (default 11, odd is best),
# BENCH_TIMEOUT (seconds per program run, default 120), BENCH_NICE (default 1: run the programs
# at nice -10 when allowed, to be less disturbed by other jobs on a shared machine; 0: don't),
# BENCH_ICOUNT (default 1: also run scripts/icount/icount.py, the instruction counts and wall
# ratios; 0: don't), ICOUNT_WALL_ROUNDS (default 5), BENCH_STORM_CHILDREN (default 2000) and
# BENCH_STORM_ROUNDS (default 3): the fork storm with the collector down.
# Exit status: 0 when every run worked (missed goals never fail), 1 when the library is missing
# or fails to load, or a benchmark program failed (crash, hang, bad output) in some variant.
set -u
cd "$(dirname "$0")/.." || exit 1

BUILD=${BUILD:-build}
ROUNDS=${BENCH_ROUNDS:-11}
TMO=${BENCH_TIMEOUT:-120}
LIB_REL=$BUILD/libgenesis_auto.so
case $LIB_REL in /*) LIB=$LIB_REL ;; *) LIB=$PWD/$LIB_REL ;; esac
B=$BUILD/tests/bench
OUT_DIR=$BUILD/bench
mkdir -p "$OUT_DIR"

# Benchmark sizes: program args (per batch, batches). Each program reports its median batch.
WRITE_ARGS=(50000 5)        # ~0.3 s per run at ~1.2 us/write
SENDRECV_ARGS=(15000 5)     # ~0.25 s per run at ~3 us/pair
CONNECT_ARGS=(256 16)       # ~4k connections, ~0.15 s per run
SPAWN_ARGS=(60 3)           # 180 timed /bin/true per run -> ROUNDS*180 (1980) per side
RSS_ROUNDS=3
# Fork storm: children, at once (tests/progs/fork_storm; port 9 refuses their connects and is the
# dead collector). Each run is seconds long: fewer rounds.
STORM_ARGS=(${BENCH_STORM_CHILDREN:-2000} 4 9 parent-first)
STORM_ROUNDS=${BENCH_STORM_ROUNDS:-3}

# A clean, reproducible environment: nothing inherited from the caller's OTel/genesis settings.
while read -r v; do unset "$v"; done < <(compgen -e | grep -E '^(OTEL_|GENESIS_)')
unset LD_PRELOAD
# Every preloaded run: spans really exported (console JSON to /dev/null), no network needed.
PRE_ENV=(OTEL_TRACES_EXPORTER=console GENESIS_CONSOLE_FILE=/dev/null OTEL_METRICS_EXPORTER=none)
OFF_ENV=("${PRE_ENV[@]}" OTEL_TRACES_SAMPLER=always_off)
# A dead collector: OTLP traces and metrics to a loopback port nobody listens on.
DEAD_ENV=(OTEL_TRACES_EXPORTER=otlp OTEL_METRICS_EXPORTER=otlp GENESIS_LOG_LEVEL=off
          OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:9)

say() { printf '%s\n' "$*"; }

NICE=()
if [ "${BENCH_NICE:-1}" = 1 ] && nice -n -10 true 2>/dev/null; then NICE=(nice -n -10); fi

# ---------------------------------------------------------------- programs and library
need_build=0
for p in bench_write bench_sendrecv bench_connect bench_spawn rss_run; do
    [ -x "$B/$p" ] || need_build=1
done
if [ $need_build = 1 ]; then
    make --no-print-directory BUILD="$BUILD" bench-progs >&2 || { say "bench: cannot build the benchmark programs"; exit 1; }
fi
STORM=$BUILD/tests/progs/fork_storm
[ -x "$STORM" ] || make --no-print-directory BUILD="$BUILD" "$STORM" >&2 || { say "bench: cannot build $STORM"; exit 1; }

HAVE_LIB=1
LIB_PROBLEM=
if [ ! -f "$LIB" ]; then
    HAVE_LIB=0
    LIB_PROBLEM="LIBRARY MISSING: $LIB_REL does not exist (run \`make\`; did the library fail to build?)"
else
    if ! probe=$(LD_PRELOAD=$LIB /bin/true 2>&1) || printf '%s' "$probe" | grep -q 'cannot be preloaded'; then
        HAVE_LIB=0
        LIB_PROBLEM="LIBRARY UNUSABLE: LD_PRELOAD=$LIB_REL /bin/true says: $(printf '%s' "$probe" | head -c 300)"
    fi
fi

# ---------------------------------------------------------------- header
commit=$(git rev-parse --short=12 HEAD 2>/dev/null) || commit="none (no commits yet)"
if [ -n "$(git status --porcelain -- preload hooks exporter protocols proto Makefile mk ':!mk/bench.mk' 2>/dev/null)" ]; then
    commit="$commit + uncommitted changes in the library sources"
fi
cpu=$(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | sed 's/.*: *//')
libinfo="not built"
[ -f "$LIB" ] && libinfo="$LIB_REL ($(stat -c %s "$LIB") bytes, built $(date -r "$LIB" '+%F %T'))"

{
say "genesis-auto overhead benchmarks — $(date '+%F %T %Z')"
say "machine : $(nproc) CPUs, ${cpu:-unknown CPU}, Linux $(uname -r)"
say "library : $libinfo"
say "commit  : $commit"
say "method  : $ROUNDS interleaved rounds bare/preloaded, median of each side; preloaded env:"
say "          LD_PRELOAD=$LIB_REL ${PRE_ENV[*]}"
say "priority: ${NICE[*]:-default (not reniced)}"
} | tee "$OUT_DIR/header.txt"
if [ $HAVE_LIB = 0 ]; then
    say ""
    say "*** $LIB_PROBLEM"
    say "*** Only the bare figures are measured below."
fi

# ---------------------------------------------------------------- running
declare -A VALS=() ERRS=()

# run_one KEY cmd... : run, append the number it prints to VALS[KEY], or note the failure.
run_one() {
    local key=$1; shift
    local errf out rc
    errf=$(mktemp)
    out=$(timeout "$TMO" "${NICE[@]}" "$@" 2>"$errf")
    rc=$?
    # ld.so only warns (exit 0) when LD_PRELOAD cannot be loaded, e.g. while the library is
    # being rebuilt: such a "preloaded" run is really bare, so it counts as a failure.
    if grep -q 'cannot be preloaded' "$errf" && [ $rc -eq 0 ]; then rc=97; fi
    if [ $rc -ne 0 ] || ! [[ $out =~ ^[0-9]+(\.[0-9]+)?$ ]]; then
        [ $rc -eq 124 ] && echo "timed out after ${TMO}s" >>"$errf"
        ERRS[$key]="exit $rc: $(tr '\n' ' ' <"$errf" | head -c 300)"
    else
        VALS[$key]+="$out "
    fi
    rm -f "$errf"
}

# cmd_for VARIANT BENCH : prints nothing, sets CMD array
cmd_for() {
    local variant=$1 bench=$2
    local -a envs=()
    case $variant in
        pre) envs=("${PRE_ENV[@]}") ;;
        off) envs=("${OFF_ENV[@]}") ;;
        dead) envs=("${DEAD_ENV[@]}") ;;
    esac
    case $bench in
        write)    CMD=("$B/bench_write" "${WRITE_ARGS[@]}") ;;
        sendrecv) CMD=("$B/bench_sendrecv" "${SENDRECV_ARGS[@]}") ;;
        connect)  CMD=("$B/bench_connect" "${CONNECT_ARGS[@]}") ;;
        spawn)    # the driver is never preloaded; it preloads only its /bin/true children
            if [ "$variant" = bare ]; then CMD=("$B/bench_spawn" "${SPAWN_ARGS[@]}")
            else CMD=(env "${envs[@]}" "$B/bench_spawn" "${SPAWN_ARGS[@]}" "$LIB"); fi
            return ;;
        rss)      # rss_run sets the variables in its child only
            local -a e=()
            if [ "$variant" != bare ]; then
                e=(-e "LD_PRELOAD=$LIB")
                for x in "${envs[@]}"; do e+=(-e "$x"); done
            fi
            CMD=("$B/rss_run" "${e[@]}" -- "$B/bench_connect" "${CONNECT_ARGS[@]}")
            return ;;
        storm)    # the whole storm's wall time in us (the program prints its own verdict)
            CMD=(bash -c 't0=$(date +%s%N); "$@" >/dev/null || exit 1; echo $((($(date +%s%N) - t0) / 1000))'
                 storm "$STORM" "${STORM_ARGS[@]}") ;;
    esac
    [ "$variant" = bare ] || CMD=(env "LD_PRELOAD=$LIB" "${envs[@]}" "${CMD[@]}")
}

# bench_rounds BENCH NROUNDS VARIANT... : interleaved rounds, order rotated each round.
bench_rounds() {
    local bench=$1 n=$2; shift 2
    local -a vs=("$@")
    [ $HAVE_LIB = 1 ] || vs=(bare)
    local r i k nv=${#vs[@]}
    printf '  running %-9s %d rounds x %s\n' "$bench" "$n" "${vs[*]}" >&2
    for ((r = 0; r < n; r++)); do
        for ((i = 0; i < nv; i++)); do
            k=${vs[$(((i + r) % nv))]}
            cmd_for "$k" "$bench"
            run_one "$bench:$k" "${CMD[@]}"
        done
    done
}

# Sanity: does the library really trace the connect benchmark? (console output to a temp file)
SANITY=""
if [ $HAVE_LIB = 1 ]; then
    sf=$(mktemp)
    sn=(64 2)   # per batch, batches: warm-up 64/4+1 + 64*2 connects
    sexp=$((sn[0] / 4 + 1 + sn[0] * sn[1]))
    timeout "$TMO" env "LD_PRELOAD=$LIB" OTEL_TRACES_EXPORTER=console GENESIS_CONSOLE_FILE="$sf" \
        OTEL_METRICS_EXPORTER=none "$B/bench_connect" "${sn[@]}" >/dev/null 2>&1
    spans=$(grep -c '"type":"span"' "$sf")
    cspans=$(grep -c '"name":"connect 127.0.0.1:' "$sf")
    self=$(grep '"type":"self"' "$sf" | tail -1 | sed 's/[{}"]//g; s/,/, /g')
    SANITY="sanity  : $sexp connects traced -> $spans spans ($cspans connect spans)${self:+; $self}"
    [ "$cspans" -ge "$sexp" ] 2>/dev/null || SANITY="$SANITY  <-- expected $sexp connect spans: preloaded figures may not include tracing"
    rm -f "$sf"
fi

loadavg() { cut -d' ' -f1 /proc/loadavg; }
busy() { awk -v a="$1" -v b="$(loadavg)" -v n="$(nproc)" 'BEGIN { exit !(a > n || b > n) }'; }
LOAD0=$(loadavg)
lib_stamp() { stat -c '%s %Y' "$LIB" 2>/dev/null; }
LIB_STAMP0=$(lib_stamp)
t_start=$SECONDS
bench_rounds write    "$ROUNDS" bare pre
bench_rounds sendrecv "$ROUNDS" bare pre
bench_rounds connect  "$ROUNDS" bare pre off dead
bench_rounds spawn    "$ROUNDS" bare pre
bench_rounds rss      "$RSS_ROUNDS" bare pre
bench_rounds storm    "$STORM_ROUNDS" bare dead

# ---------------------------------------------------------------- table
# stats "v1 v2 ..." -> "median mad"
stats() {
    tr ' ' '\n' <<<"$1" | awk '
        function median(a, n,   i, j, t) {   # insertion sort (portable: no gawk asort)
            for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j+1] = a[j]; a[j+1] = t }
            return (n % 2) ? a[(n+1)/2] : (a[n/2] + a[n/2+1]) / 2
        }
        NF { v[++n] = $1 }
        END {
            if (n == 0) { print "nan nan"; exit }
            m = median(v, n)
            for (i = 1; i <= n; i++) d[i] = (v[i] > m) ? v[i] - m : m - v[i]
            printf "%.4f %.4f\n", m, median(d, n) }'
}

FAILED=0
tbl() { printf '%-40s %11s %11s %7s %19s %-16s %s\n' "$@"; }
# row LABEL BENCH VARIANT UNIT GOALKIND GOALVAL
#   UNIT: ns | us | KiB ; GOALKIND: added (added <= GOALVAL, in UNIT or MiB for KiB) | ratio | none
row() {
    local label=$1 bench=$2 variant=$3 unit=$4 gkind=$5 gval=${6:-}
    local kb="$bench:bare" kp="$bench:$variant"
    local goal result ratio added
    case $gkind in
        added) if [ "$unit" = KiB ]; then goal="<= $gval MiB added"; else goal="<= $gval $unit added"; fi ;;
        ratio) goal="ratio <= $gval" ;;
        *)     goal="(no goal)" ;;
    esac
    if [ -n "${ERRS[$kb]:-}" ] || [ -z "${VALS[$kb]:-}" ]; then
        FAILED=1
        tbl "$label" ERROR - - - "$goal" "ERROR (bare): ${ERRS[$kb]:-no result}"
        return
    fi
    read -r mb db < <(stats "${VALS[$kb]}")
    if [ $HAVE_LIB = 0 ]; then
        tbl "$label" "$(fmtv "$mb" "$unit")" n/a n/a n/a "$goal" "n/a (no library)"
        return
    fi
    if [ -n "${ERRS[$kp]:-}" ] || [ -z "${VALS[$kp]:-}" ]; then
        FAILED=1
        tbl "$label" "$(fmtv "$mb" "$unit")" ERROR - - "$goal" "ERROR (preloaded): ${ERRS[$kp]:-no result}"
        return
    fi
    read -r mp dp < <(stats "${VALS[$kp]}")
    ratio=$(awk -v a="$mp" -v b="$mb" 'BEGIN { printf "%.3f", (b > 0) ? a / b : 0 }')
    added=$(awk -v a="$mp" -v b="$mb" -v da="$dp" -v db="$db" -v u="$unit" 'BEGIN {
        d = a - b; n = (da > db) ? da : db
        if (u == "KiB") printf "%+.2f MiB", d / 1024
        else if (u == "us") printf "%+.1f ±%.1f us", d, n
        else printf "%+.1f ±%.1f ns", d, n }')
    # The verdict compares the medians; "(noisy)" when the noise could flip it, i.e. when the
    # added figure is closer to the limit than the noise (the limit as an added amount).
    local lim
    case $gkind in
        added) lim=$gval; [ "$unit" = KiB ] && lim=$(awk -v g="$gval" 'BEGIN { print g * 1024 }') ;;
        ratio) lim=$(awk -v g="$gval" -v b="$mb" 'BEGIN { print (g - 1) * b }') ;;
    esac
    case $gkind in
        added|ratio)
            result=$(awk -v a="$mp" -v b="$mb" -v g="$lim" -v da="$dp" -v db="$db" 'BEGIN {
                d = a - b; n = (da > db) ? da : db; m = d - g; if (m < 0) m = -m
                printf "%s%s", (d <= g) ? "goal met" : "MISSED", (m < n) ? " (noisy)" : "" }') ;;
        *)  result="-" ;;
    esac
    tbl "$label" "$(fmtv "$mb" "$unit")" "$(fmtv "$mp" "$unit")" "$ratio" "$added" "$goal" "$result"
}
fmtv() {
    awk -v v="$1" -v u="$2" 'BEGIN {
        if (u == "KiB") printf "%.1f MiB", v / 1024
        else printf "%.1f %s", v, u }'
}

{
say ""
[ -n "$SANITY" ] && say "$SANITY"
say "elapsed : $((SECONDS - t_start)) s of measurement"
say ""
tbl "benchmark" "bare" "preloaded" "ratio" "added (±noise)" "goal" "result"
tbl "---------" "----" "---------" "-----" "--------------" "----" "------"
row "write() 1 B to /dev/null, per call"      write    pre ns  added 3
row "send+recv 64 B AF_UNIX pair, per pair"   sendrecv pre ns  added 20
row "socket+connect+close TCP lo, console"    connect  pre ns  none
row "  same, OTEL_TRACES_SAMPLER=always_off"  connect  off ns  none
row "  same, OTLP collector down"             connect  dead ns ratio 1.03
row "/bin/true start-up, per run"             spawn    pre us  ratio 1.05
row "peak RSS of the connect benchmark"       rss      pre KiB added 8
row "fork storm, ${STORM_ARGS[0]} children, collector down" storm dead us ratio 1.5
say ""
say "noise = larger median absolute deviation of the $ROUNDS rounds (bare or preloaded); an added"
say "figure smaller than its noise is not distinguishable from zero on this machine. (noisy): the"
say "verdict is within the noise of flipping; rerun on a quieter machine or with more BENCH_ROUNDS."
say "load    : $LOAD0 at start, $(loadavg) at end (1-min load average, $(nproc) CPUs)"
busy "$LOAD0" && say "*** the machine was busy during the run: figures are noisy"
[ "$(lib_stamp)" = "$LIB_STAMP0" ] || say "*** $LIB_REL changed during the run: preloaded figures mix two builds"
} | tee "$OUT_DIR/table.txt"

# Raw per-round figures, for a closer look (build/bench/raw.txt).
for k in "${!VALS[@]}"; do printf '%s %s\n' "$k" "${VALS[$k]}"; done | sort >"$OUT_DIR/raw.txt"

# Instruction counts (callgrind) per row of docs/benchmarks.md, the wall ratios of real peers and
# the RSS of an nginx worker: scripts/icount/icount.py (BENCH_ICOUNT=0 skips it).
if [ "${BENCH_ICOUNT:-1}" = 1 ] && [ $HAVE_LIB = 1 ]; then
    say ""
    /usr/bin/python3 scripts/icount/icount.py --build "$BUILD" --set full \
        --json "$OUT_DIR/icount.json" | tee "$OUT_DIR/icount.txt"
    [ "${PIPESTATUS[0]}" = 0 ] || FAILED=1
fi

# row() runs in a pipeline subshell above; re-derive failure from ERRS here.
for k in "${!ERRS[@]}"; do
    say "bench: run failed: $k: ${ERRS[$k]}" >&2
    FAILED=1
done
if [ $HAVE_LIB = 0 ]; then
    say ""
    say "*** $LIB_PROBLEM"
    exit 1
fi

# Per-protocol instruction counts (callgrind): NATS publish and consume (docs/messaging.md).
say ""
BUILD=$BUILD tests/bench/nats_bench.sh || FAILED=1
exit $FAILED

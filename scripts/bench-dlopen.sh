#!/usr/bin/env bash
# scripts/bench-dlopen.sh — what the dlopen hook (hooks/dl.c) adds, in instructions counted by
# valgrind's callgrind (exact and repeatable, unlike wall time on a shared machine).
#
# Each figure is a difference of whole-process counts: the program preloaded with the library
# on, minus the same preloaded with GENESIS_DISABLED=1 (the hook then only tail-calls dlopen),
# minus the same difference for a run that makes no dlopen at all (what the constructor does
# differently when enabled). What remains is the hook's own work for that dlopen.
# Rows: libcurl opened with RTLD_DEEPBIND (redirected: the new objects and their dependencies are
# walked and their slots rewritten) and `php -r ''` when PHP is installed (about 25 extensions,
# each opened with RTLD_DEEPBIND). The pass-through of a dlopen without RTLD_DEEPBIND runs the same
# way on and off, so its row is read from the profile instead: the hook's inclusive count minus
# the real dlopen's (the first call, which also resolves the real dlopen once).
# Knobs: BUILD (default build). Needs valgrind. See docs/benchmarks.md.
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
LIB=$PWD/$BUILD/libgenesis_auto.so
PROG=$PWD/$BUILD/tests/bench/bench_dlopen
[ -x "$PROG" ] && [ -f "$LIB" ] || { echo "bench-dlopen: build first (make)"; exit 1; }
command -v valgrind >/dev/null || { echo "bench-dlopen: valgrind is not installed"; exit 1; }
while read -r v; do unset "$v"; done < <(compgen -e | grep -E '^(OTEL_|GENESIS_)')
unset LD_PRELOAD
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# Instructions of one run: ir ON|OFF program args...
ir() {
    local mode=$1; shift
    local out=$TMP/cg.out extra=()
    [ "$mode" = OFF ] && extra=(GENESIS_DISABLED=1)
    env LD_PRELOAD="$LIB" OTEL_TRACES_EXPORTER=none OTEL_METRICS_EXPORTER=none "${extra[@]}" \
        valgrind --tool=callgrind --callgrind-out-file="$out" "$@" >/dev/null 2>&1 || { echo "bench-dlopen: $* failed"; exit 1; }
    awk '/^totals:/ { print $2 }' "$out"
}

base=$(( $(ir ON "$PROG" x none) - $(ir OFF "$PROG" x none) ))
printf '%-44s %14s %14s\n' "dlopen" "instructions" "hook adds"
row() {
    local label=$1; shift
    local on off
    on=$(ir ON "$@"); off=$(ir OFF "$@")
    printf '%-44s %14d %14d\n' "$label" "$((off - $(ir OFF "$PROG" x none)))" "$((on - off - base))"
}
row "libcurl.so.4, RTLD_NOW|RTLD_DEEPBIND" "$PROG" libcurl.so.4 deep
env LD_PRELOAD="$LIB" OTEL_TRACES_EXPORTER=none OTEL_METRICS_EXPORTER=none \
    valgrind --tool=callgrind --callgrind-out-file="$TMP/pl.out" "$PROG" libcurl.so.4 plain >/dev/null 2>&1
incl=$(callgrind_annotate --inclusive=yes "$TMP/pl.out" 2>/dev/null | tr -d ,)
hook=$(printf '%s\n' "$incl" | awk '/hooks\/dl\.c:dlopen /{print $1; exit}')
real=$(printf '%s\n' "$incl" | awk '/:dlopen@@GLIBC/{print $1; exit}')
printf '%-44s %14d %14d\n' "libcurl.so.4, RTLD_NOW (pass-through)" "$real" "$((hook - real))"
if command -v php >/dev/null; then
    php_none=$(ir OFF "$PROG" x none)
    on=$(ir ON php -r ''); off=$(ir OFF php -r '')
    printf '%-44s %14d %14d\n' "php -r '' (whole process)" "$((off - php_none))" "$((on - off - base))"
fi
echo "(instructions: the dlopen itself, counted without the hook's work; hook adds: its own work)"

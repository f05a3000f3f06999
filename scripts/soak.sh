#!/usr/bin/env bash
# soak.sh — CPython's own regression tests, bare and under the library, compared test by test
# (`make soak`, docs/testing.md). Each configuration runs the same modules with
# `python3 -m test --junit-xml`; scripts/soak_compare.py turns each report into one result per
# test id (pass, fail, error, skip) and fails when a test's result differs from the bare run.
# The configurations run concurrently. Tests that differ are run once more, alone, in both
# configurations (timing-sensitive CPython tests are flaky on a loaded machine); only a
# difference that repeats fails the soak.
#
# Configurations: bare; preloaded with every exporter `none`; preloaded with OTLP to a local
# genesis-view and the Prometheus endpoint on a free loopback port (SOAK_OTLP=0 skips that one).
# Environment: GENESIS_LIB (default build/libgenesis_auto.so), GENESIS_BUILD (default build),
# SOAK_MODULES (default below), SOAK_DIR (default build/soak), SOAK_OTLP (default 1).
# Needs Debian's libpython3.11-testsuite (scripts/install-deps.sh installs it).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
lib=${GENESIS_LIB:-$root/build/libgenesis_auto.so}
bld=${GENESIS_BUILD:-$root/build}
out=${SOAK_DIR:-$root/build/soak}
modules=${SOAK_MODULES:-test_socket test_selectors test_subprocess test_httplib test_urllib2_localnet \
test_socketserver test_xmlrpc test_os test_signal test_threading}
py=${PYTHON:-/usr/bin/python3}   # Debian's: libpython3.11-testsuite belongs to it

if ! $py -c 'import test.support, test.libregrtest' 2>/dev/null ||
   ! $py -c 'import test.test_socket' 2>/dev/null; then
    echo "soak.sh: CPython's test suite is missing: apt-get install libpython3.11-testsuite" >&2
    exit 2
fi
[ -f "$lib" ] || { echo "soak.sh: no library at $lib (make build-lib)" >&2; exit 2; }
mkdir -p "$out"
rm -f "$out"/*.xml "$out"/*.log

# Every exporter off; the library still observes every socket, parses and builds records.
none_env=(LD_PRELOAD="$lib" OTEL_TRACES_EXPORTER=none OTEL_METRICS_EXPORTER=none
          OTEL_LOGS_EXPORTER=none)

# run NAME ENV... -- ARGS: one regrtest run, its junit report in $out/NAME.xml.
run() {
    local name=$1; shift
    local envs=()
    while [ "$1" != "--" ]; do envs+=("$1"); shift; done
    shift
    local t0=$SECONDS
    # -u all: the network resource on (test_socketserver asks for it and uses only loopback);
    # the few tests that reach the Internet are left out (-i *test_idna*, *test_networked*),
    # so only loopback traffic. -j1: each module in a worker
    # process, which --timeout kills when it hangs; the run goes on with the next module.
    # Left out (-i), because they hang or collide bare as well: the AF_VSOCK tests (one fixed
    # port, so concurrent runs collide; accept() waits forever where vsock exists without a
    # peer) and test_sendall_interrupted* (SIGALRM must land inside send(); on a loaded
    # machine it can land between two of sendall's sends, which then blocks for good).
    env "${envs[@]}" $py -m test -u all,-gui,-largefile,-audio,-cpu,-urlfetch \
        -i '*test_idna*' -i '*test_networked*' -i '*VSOCK*' -i '*sendall_interrupted*' \
        -j1 --timeout 600 \
        --junit-xml "$out/$name.xml" "$@" >"$out/$name.log" 2>&1 || true
    echo "soak.sh: $name: $((SECONDS - t0)) s"
}

view_pid=
otlp_env=()
cleanup() { [ -n "$view_pid" ] && kill "$view_pid" 2>/dev/null; wait 2>/dev/null || true; }
trap cleanup EXIT

start=$SECONDS
# The configurations run at the same time (most of these tests wait on timeouts, not the CPU).
# shellcheck disable=SC2086
run bare -- $modules &
# shellcheck disable=SC2086
run none "${none_env[@]}" -- $modules &
configs=(none)
if [ "${SOAK_OTLP:-1}" = 1 ]; then
    "$bld/genesis-view" --port 0 --quiet --count-file "$out/view.counts" \
        >"$out/view.out" 2>&1 &
    view_pid=$!
    port=
    for _ in $(seq 100); do
        port=$(grep -o '127.0.0.1:[0-9]*' "$out/view.out" 2>/dev/null | head -1 | cut -d: -f2) || true
        [ -n "$port" ] && break
        sleep 0.1
    done
    [ -n "$port" ] || { echo "soak.sh: genesis-view did not start" >&2; cat "$out/view.out" >&2; exit 2; }
    prom=$($py -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    # Every process of the run (regrtest workers and the interpreters the tests start, none of
    # them forked from one another without exec) is told the same Prometheus port: one serves
    # it, and each of the others says on stderr that it could not bind. regrtest reads a worker's
    # stderr together with its result line, so that warning, printed when the worker's first
    # record (its result line, a log record) starts the exporter thread, would read as a crashed
    # worker: warnings are kept to errors in this configuration.
    otlp_env=(LD_PRELOAD="$lib" OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$port"
              OTEL_METRICS_EXPORTER=otlp,prometheus OTEL_EXPORTER_PROMETHEUS_HOST=127.0.0.1
              OTEL_EXPORTER_PROMETHEUS_PORT="$prom" OTEL_METRIC_EXPORT_INTERVAL=1000
              OTEL_LOG_LEVEL=error)
    # shellcheck disable=SC2086
    run otlp "${otlp_env[@]}" -- $modules &
    configs+=(otlp)
fi
wait_runs() { for p in $(jobs -p); do [ "$p" = "$view_pid" ] || wait "$p"; done; }
wait_runs

rc=0
for c in "${configs[@]}"; do
    allow=(--allow "$root/scripts/soak_allowed.txt" "$c")
    if ! $py "$root/scripts/soak_compare.py" "${allow[@]}" "$out/bare.xml" "$out/$c.xml" >"$out/$c.diff"; then
        # Run each differing test alone, once more, in both configurations.
        mapfile -t ids < <(grep '^DIFF ' "$out/$c.diff" | awk '{print $2}')
        echo "soak.sh: $c: ${#ids[@]} test(s) differ; running them again" >&2
        match=()
        for id in "${ids[@]}"; do match+=(--match "$id"); done
        mods=$(printf '%s\n' "${ids[@]}" | sed -E 's/^test\.([a-z0-9_]+)\..*/\1/' | sort -u)
        envs=()
        case $c in
        none) envs=("${none_env[@]}") ;;
        otlp) envs=("${otlp_env[@]}") ;;
        esac
        # shellcheck disable=SC2086
        run "bare-again-$c" PATH="$PATH" -- "${match[@]}" $mods &
        # shellcheck disable=SC2086
        run "$c-again" "${envs[@]}" -- "${match[@]}" $mods &
        wait_runs
        if ! $py "$root/scripts/soak_compare.py" --only "$out/$c.diff" "${allow[@]}" \
             "$out/bare-again-$c.xml" "$out/$c-again.xml" >"$out/$c-again.diff"; then
            echo "soak.sh: $c: results differ from bare:" >&2
            cat "$out/$c-again.diff" >&2
            rc=1
            continue
        fi
    fi
    echo "soak.sh: $c: $(tail -1 "$out/$c.diff")"
done
echo "soak.sh: total $((SECONDS - start)) s"
exit $rc

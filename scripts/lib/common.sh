# shellcheck shell=bash
# scripts/lib/common.sh — small helpers shared by the demo and benchmark drivers (sourced, not
# run). Everything is bash, plus /usr/bin/python3 for the free-port lookup.
#
#   ga_die MSG...                       print "<script>: MSG" on stderr and exit 1
#   ga_note MSG...                      print "<script>: MSG" on stderr
#   ga_alive PID                        true while PID runs (zombies count as exited)
#   ga_free_port                        print a free TCP port on 127.0.0.1
#   ga_free_ports N                     print N distinct free TCP ports on 127.0.0.1, one a line
#   ga_wait_for_line FILE TEXT SECS [PID]
#                                       wait until FILE contains TEXT (fixed string); fail early
#                                       when PID has exited; return 1 on timeout
#   ga_stop PID [SIGNAL] [SECS]         signal PID (default TERM), wait up to SECS (default 5) for
#                                       it to exit, then SIGKILL it; reaps it when it is our child
#   ga_lib_path ROOT                    print the library path: $GENESIS_LIB if set, else
#                                       ROOT/${BUILD:-build}/libgenesis_auto.so

GA_SCRIPT=${GA_SCRIPT:-${0##*/}}
GA_PY=/usr/bin/python3

# ga_alive PID — true while PID runs (a zombie waiting to be reaped counts as gone).
ga_alive() {
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    stat=${stat##*) }
    [[ ${stat%% *} != Z ]]
}

ga_note() {
    printf '%s: %s\n' "$GA_SCRIPT" "$*" >&2
}

ga_die() {
    ga_note "$@"
    exit 1
}

ga_free_port() {
    "$GA_PY" -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

ga_free_ports() {
    "$GA_PY" -c 'import socket, sys
socks = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in socks:
    s.bind(("127.0.0.1", 0))    # all bound at once: the ports are distinct
print("\n".join(str(s.getsockname()[1]) for s in socks))' "$1"
}

ga_wait_for_line() {
    local file=$1 text=$2 secs=$3 pid=${4:-}
    local deadline=$((SECONDS + secs))
    while ((SECONDS <= deadline)); do
        if [[ -f $file ]] && grep -qF -- "$text" "$file"; then
            return 0
        fi
        if [[ -n $pid ]] && ! ga_alive "$pid"; then
            return 1
        fi
        sleep 0.05
    done
    return 1
}

ga_stop() {
    local pid=$1 sig=${2:-TERM} secs=${3:-5}
    [[ -n $pid ]] || return 0
    if ! ga_alive "$pid"; then
        wait "$pid" 2>/dev/null || true
        return 0
    fi
    kill -s "$sig" "$pid" 2>/dev/null || true
    local i
    for ((i = 0; i < secs * 20; i++)); do
        ga_alive "$pid" || break
        sleep 0.05
    done
    if ga_alive "$pid"; then
        kill -s KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
}

ga_lib_path() {
    local root=$1 lib
    if [[ -n ${GENESIS_LIB:-} ]]; then
        lib=$GENESIS_LIB
    else
        lib=$root/${BUILD:-build}/libgenesis_auto.so
    fi
    case $lib in
        /*) ;;
        *) lib=$PWD/$lib ;;
    esac
    readlink -m -- "$lib"
}

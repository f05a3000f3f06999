# shellcheck shell=bash
# scripts/lib/servers.sh — throw-away redis-server, mariadbd and nats-server instances on free
# 127.0.0.1 ports, in a directory of the caller's (sourced after common.sh, not run). They run
# bare: they are the demo's infrastructure, not what it observes.
#
#   ga_redis_start DIR                 start redis-server; sets GA_REDIS_PID, GA_REDIS_PORT
#   ga_redis_wait DIR                  wait until it accepts connections
#   ga_nats_start DIR                  start nats-server; sets GA_NATS_PID, GA_NATS_PORT
#   ga_nats_wait DIR                   wait until it accepts connections
#   ga_mariadb_start DIR               initialise a datadir in DIR and start mariadbd; sets
#                                      GA_MARIADB_PID, GA_MARIADB_PORT; root has no password
#   ga_mariadb_wait DIR                wait until it answers queries
#   ga_mariadb_sql PORT [DB] < SQL     run SQL as root over TCP (mariadb client, no defaults)
#
# Starting returns as soon as the pid is known (so a caller can register it for clean-up before
# waiting); each function returns 1, after saying why on stderr, when the server does not start.

ga_redis_start() {
    local dir=$1
    GA_REDIS_PORT=$(ga_free_port)
    mkdir -p "$dir"
    redis-server --bind 127.0.0.1 --port "$GA_REDIS_PORT" --dir "$dir" --save '' \
        --appendonly no --daemonize no --logfile "$dir/redis.log" >/dev/null 2>&1 </dev/null &
    GA_REDIS_PID=$!
}

ga_redis_wait() {
    local dir=$1
    if ! ga_wait_for_line "$dir/redis.log" "Ready to accept connections" 15 "$GA_REDIS_PID"; then
        ga_note "redis-server did not start: $(tail -n 5 "$dir/redis.log" 2>/dev/null)"
        return 1
    fi
}

ga_nats_start() {
    local dir=$1
    GA_NATS_PORT=$(ga_free_port)
    mkdir -p "$dir"
    nats-server -a 127.0.0.1 -p "$GA_NATS_PORT" -l "$dir/nats.log" >/dev/null 2>&1 </dev/null &
    GA_NATS_PID=$!
}

ga_nats_wait() {
    local dir=$1
    if ! ga_wait_for_line "$dir/nats.log" "Server is ready" 15 "$GA_NATS_PID"; then
        ga_note "nats-server did not start: $(tail -n 5 "$dir/nats.log" 2>/dev/null)"
        return 1
    fi
}

# mariadbd refuses to run as root unless told to; as another user --user must not be given.
ga__mariadb_user() {
    if [[ $(id -u) -eq 0 ]]; then
        echo --user=root
    fi
}

ga_mariadb_start() {
    local dir=$1 user
    user=$(ga__mariadb_user)
    mkdir -p "$dir"
    # shellcheck disable=SC2086 # $user is empty or one word
    if ! mariadb-install-db --no-defaults --datadir="$dir/data" $user \
        --auth-root-authentication-method=normal --skip-test-db >"$dir/install.log" 2>&1; then
        ga_note "mariadb-install-db failed: $(tail -n 5 "$dir/install.log")"
        return 1
    fi
    GA_MARIADB_PORT=$(ga_free_port)
    # shellcheck disable=SC2086
    mariadbd --no-defaults --datadir="$dir/data" --socket="$dir/mysqld.sock" \
        --port="$GA_MARIADB_PORT" --bind-address=127.0.0.1 $user --skip-log-bin \
        --innodb-buffer-pool-size=64M --log-error="$dir/error.log" >"$dir/mariadbd.out" 2>&1 </dev/null &
    GA_MARIADB_PID=$!
}

ga_mariadb_wait() {
    local dir=$1 deadline=$((SECONDS + 30))
    until echo 'SELECT 1' | ga_mariadb_sql "$GA_MARIADB_PORT" >/dev/null 2>&1; do
        if ! ga_alive "$GA_MARIADB_PID" || ((SECONDS > deadline)); then
            ga_note "mariadbd did not start: $(tail -n 5 "$dir/error.log" 2>/dev/null)"
            return 1
        fi
        sleep 0.1
    done
}

ga_mariadb_sql() {
    local port=$1 db=${2:-}
    mariadb --no-defaults --protocol=tcp -h127.0.0.1 -P"$port" -uroot ${db:+"$db"}
}

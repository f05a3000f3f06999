#!/usr/bin/env bash
# install-deps.sh — installs every Debian package that genesis-auto's build, tests, benchmarks and
# demo need (Debian 12). Idempotent and quick: each package is checked with dpkg-query, and only
# when some are missing does it run `apt-get update` and `apt-get install` for those. Silent when
# everything is present. As non-root it prints the apt-get command to run and exits 1.
# It never starts a service: installs run with a policy-rc.d that forbids it (unless one exists).
# Then the npm packages the tests need (the node NATS client), with npm from the npm registry,
# into the project-local directory .deps/npm (see NPM_PACKAGES below); also idempotent.

set -euo pipefail

PACKAGES=(
    # build
    build-essential pkg-config libunwind-dev libprotobuf-c-dev protobuf-c-compiler protobuf-compiler
    libcurl4-openssl-dev uthash-dev zlib1g-dev libdeflate-dev libhiredis-dev libmariadb-dev clang binutils file
    # unit tests
    libcmocka-dev
    # sanitizer runtimes preloaded before the library by test_core_asan.py / test_core_tsan.py
    # (gcc brings them; named here because the tests load them by path)
    libasan8 libtsan2
    # integration tests, demo, benchmarks: real servers and clients
    redis-server redis-tools mariadb-server mariadb-client nginx-light wrk prometheus curl
    nats-server libnats-dev
    python3-redis python3-pymysql python3-mysqldb python3-pytest python3-protobuf python3-yaml
    python3-gunicorn
    strace valgrind hyperfine procps
    # Kafka tests (tests/integration/test_kafka_*.py): librdkafka's mock cluster, kcat, confluent-kafka
    librdkafka-dev kcat python3-confluent-kafka
    # runtime tests (tests/integration/test_reach_*.py): Ruby, PHP and Java clients and servers
    ruby ruby-redis ruby-mysql2 php-cli php-curl php-redis php-mysql default-jre-headless libmariadb-java
    # benchmarks: sysbench oltp_point_select (wall ratio through libmariadb)
    sysbench
    # make soak: CPython's own regression tests, bare and preloaded (scripts/soak.sh)
    libpython3.11-testsuite
)
# Node.js: only when no `node` is on PATH (a newer one from elsewhere is fine as it is).
if ! command -v node >/dev/null 2>&1; then
    PACKAGES+=(nodejs)
fi
if ! command -v npm >/dev/null 2>&1; then
    PACKAGES+=(npm)
fi

# npm packages, installed into $NPM_DIR/node_modules (tests find them through NODE_PATH).
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
NPM_DIR=$root/.deps/npm
NPM_PACKAGES=(nats@2.29.3)

# Every npm package present at the wanted version? (package.json's "version" field.)
npm_missing() {
    local spec name version
    for spec in "${NPM_PACKAGES[@]}"; do
        name=${spec%@*}
        version=${spec##*@}
        grep -q "\"version\": *\"$version\"" "$NPM_DIR/node_modules/$name/package.json" 2>/dev/null ||
            return 0
    done
    return 1
}

install_npm() {
    npm_missing || return 0
    mkdir -p "$NPM_DIR"
    echo "install-deps.sh: installing npm package(s) into $NPM_DIR: ${NPM_PACKAGES[*]}" >&2
    if ! npm install --prefix "$NPM_DIR" --no-audit --no-fund --no-save --loglevel=error \
        "${NPM_PACKAGES[@]}" >&2; then
        echo "install-deps.sh: npm install failed" >&2
        exit 1
    fi
}

# One dpkg-query for all of them (unknown packages are simply absent from its output).
declare -A installed=()
while read -r name status; do
    if [[ $status == "install ok installed" ]]; then
        installed[$name]=1
    fi
done < <(dpkg-query -W -f='${Package} ${Status}\n' "${PACKAGES[@]}" 2>/dev/null || true)

missing=()
for pkg in "${PACKAGES[@]}"; do
    if [[ -z ${installed[$pkg]:-} ]]; then
        missing+=("$pkg")
    fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
    install_npm
    exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
    echo "install-deps.sh: missing Debian packages: ${missing[*]}" >&2
    echo "install-deps.sh: run as root:" >&2
    echo "apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${missing[*]}"
    exit 1
fi

echo "install-deps.sh: installing ${#missing[@]} package(s): ${missing[*]}" >&2

export DEBIAN_FRONTEND=noninteractive
log=$(mktemp -t genesis-install-deps.XXXXXX)
policy=/usr/sbin/policy-rc.d
made_policy=0
cleanup() {
    if [[ $made_policy -eq 1 ]]; then
        rm -f "$policy"
    fi
    rm -f "$log"
}
trap cleanup EXIT

# Packages such as redis-server and mariadb-server would start their daemons on install.
if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod 0755 "$policy"
    made_policy=1
fi

run() {
    if ! "$@" >>"$log" 2>&1; then
        echo "install-deps.sh: failed: $*" >&2
        tail -n 40 "$log" >&2
        exit 1
    fi
}

run apt-get update -q
run apt-get install -y -q --no-install-recommends "${missing[@]}"
install_npm
echo "install-deps.sh: done" >&2

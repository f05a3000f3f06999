"""Shared machinery of the runtime tests (test_reach_*.py; no tests here): the Ruby, PHP and Java
programs in tests/integration/reach/, how to run them, and the skip rule.

Skip rule: a test needing Ruby, PHP, Java or one of their Debian library packages is skipped —
with a message naming the package — only when that package is not installed.
scripts/install-deps.sh installs every one of them, so CI runs them all.
"""
import re
import select
import shutil
import subprocess
import time
from functools import lru_cache
from pathlib import Path

import pytest

from conftest import LIB, clean_env, free_port, read_span_files

HERE = Path(__file__).resolve().parent / "reach"
JDBC_JAR = Path("/usr/share/java/mariadb-java-client.jar")


def _skip(package, what):
    pytest.skip(f"{what} is not installed: Debian package {package} (scripts/install-deps.sh installs it)")


@lru_cache(maxsize=None)
def _probe(argv):
    try:
        r = subprocess.run(list(argv), capture_output=True, env=clean_env(), timeout=120)
    except OSError:
        return False
    return r.returncode == 0


def ruby(*libs):
    """argv prefix running tests/integration/reach/reach.rb; skips when Ruby or a library is missing."""
    exe = shutil.which("ruby")
    if exe is None:
        _skip("ruby", "ruby")
    for lib, package in (("redis", "ruby-redis"), ("mysql2", "ruby-mysql2")):
        if lib in libs and not _probe((exe, "-e", f"require '{lib}'")):
            _skip(package, f"the Ruby library {lib}")
    return [exe, str(HERE / "reach.rb")]


PHP_EXT = {"curl": "php-curl", "redis": "php-redis", "mysqli": "php-mysql", "pdo_mysql": "php-mysql"}


def php(*exts):
    """argv prefix of the PHP CLI; skips when PHP or an extension is missing."""
    exe = shutil.which("php")
    if exe is None:
        _skip("php-cli", "php")
    for ext in exts:
        if not _probe((exe, "-r", f"exit(extension_loaded('{ext}') ? 0 : 1);")):
            _skip(PHP_EXT[ext], f"the PHP extension {ext}")
    return [exe]


def php_script(*exts):
    return php(*exts) + [str(HERE / "reach.php")]


def java(jdbc=False):
    """argv prefix running tests/integration/reach/Reach.java with the source launcher; skips when
    Java (or, for jdbc, MariaDB Connector/J) is missing."""
    exe = shutil.which("java")
    if exe is None:
        _skip("default-jre-headless", "java")
    cp = []
    if jdbc:
        if not JDBC_JAR.is_file():
            _skip("libmariadb-java", str(JDBC_JAR))
        cp = ["-cp", str(JDBC_JAR)]
    # the JIT and GC threads are not what is tested: keep the JVM small and quick on 2 cores
    return [exe, "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto", *cp, str(HERE / "Reach.java")]


def read_line(proc, pattern, timeout=60):
    """Wait for a line of proc.stdout matching pattern (a server announcing itself); the match."""
    deadline = time.monotonic() + timeout
    buf = b""
    while time.monotonic() < deadline:
        r, _, _ = select.select([proc.stdout], [], [], 0.2)
        if r:
            c = proc.stdout.read1(4096)
            if not c:
                break
            buf += c
            m = re.search(pattern, buf.decode(errors="replace"))
            if m:
                return m
        elif proc.poll() is not None:
            break
    raise AssertionError(f"no line matching {pattern!r}; output so far: {buf[-2000:]!r}")


def wait_spans(get, pred, timeout=15):
    """The spans get() returns (a running server's span files) once pred(spans) holds: the
    exporter thread writes them a little after the request."""
    deadline = time.monotonic() + timeout
    while True:
        spans = get()
        if pred(spans) or time.monotonic() > deadline:
            return spans
        time.sleep(0.05)


def child_of(spans, parent):
    """The one SERVER span continuing `parent` (a CLIENT span) across the wire."""
    found = [s for s in spans if s["kind"] == "SERVER" and s.get("parent_span_id") == parent["span_id"]]
    assert len(found) == 1, f"{len(found)} server spans continue {parent['name']} {parent['span_id']}: {spans}"
    assert found[0]["trace_id"] == parent["trace_id"] and found[0]["parent_remote"] is True, found[0]
    return found[0]


class Background:
    """A server program under the library that prints "listening PORT" once ready and stops when
    its stdin closes (Reach.java serve, the Node server of the chain test)."""

    def __init__(self, name, argv, workdir, env=None):
        self.outdir = workdir / f"{name}-{free_port()}-spans"
        self.outdir.mkdir()
        e = clean_env(env)
        e.update(LD_PRELOAD=str(LIB), GENESIS_CONSOLE_FILE=str(self.outdir / "spans-%p.jsonl"))
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, env=e, cwd=workdir)
        self.port = int(read_line(self.proc, r"listening (\d+)", timeout=120).group(1))

    def url(self, path="/"):
        return f"http://127.0.0.1:{self.port}{path}"

    @property
    def spans(self):
        return [r for recs in read_span_files(self.outdir).values() for r in recs if r["type"] == "span"]

    def stop(self):
        self.proc.stdin.close()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc.stdout.close()


class JavaServer(Background):
    """Reach.java serve NEXT: answers "java", or "java>" + what it gets from NEXT."""

    def __init__(self, workdir, next_url, env=None):
        super().__init__("java", java() + ["serve", next_url], workdir, env)


NODE_SERVER = r"""
const http = require('http');
const s = http.createServer((req, res) => { res.end('node'); });
s.listen(0, '127.0.0.1', () => console.log('listening ' + s.address().port));
process.stdin.on('end', () => s.close(() => process.exit(0)));
process.stdin.resume();
"""


class NodeServer(Background):
    def __init__(self, workdir):
        node = shutil.which("node")
        if node is None:
            _skip("nodejs", "node")
        super().__init__("node", [node, "-e", NODE_SERVER], workdir)

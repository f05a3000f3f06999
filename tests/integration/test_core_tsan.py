"""The library built with ThreadSanitizer (`make tsan` -> build-tsan/) under real multi-threaded
programs: application threads recording while the exporter thread drains, encodes and sends
(console, and OTLP with metrics and logs to genesis-view), two threads on one HTTP connection, an
HTTP server and client thread in one process, and libnats' reader and delivery threads calling
Redis from a message callback. No ThreadSanitizer report, the same output as bare, spans exported.

Only the library is instrumented: the programs are the ordinary build/tests/progs ones (TSan still
sees their pthread and semaphore calls, through its interceptors). The TSan runtime must come
first in LD_PRELOAD, before the library (otherwise the process dies at start). The TSan build is
made at module setup, so these tests never get skipped."""
import os
import re
import subprocess

import pytest

from conftest import BUILD, ROOT, assert_self_line, prog, tool
from nats_common import Background, assert_linked, nats_client, nats_server, nats_spans  # noqa: F401 (fixture)
from test_http_support import Capture, http_spans
from test_otlp_support import assert_collector_unobserved, view  # noqa: F401 (fixture)

TSAN_LIB = ROOT / "build-tsan" / "libgenesis_auto.so"
SHIM = BUILD / "tests" / "progs" / "shim" / "libslow_write.so"
# Every TSan report starts with "WARNING: ThreadSanitizer: <kind>"; runtime failures say ERROR/FATAL.
TSAN_ERRORS = (b"WARNING: ThreadSanitizer", b"ERROR: ThreadSanitizer", b"FATAL: ThreadSanitizer")
# halt_on_error=0: every report of a run is printed, not just the first; exitcode=66 makes a run
# that reported fail on its exit code too; history_size=4 keeps the older access's stack.
ENV = {"TSAN_OPTIONS": "halt_on_error=0:exitcode=66:history_size=4:second_deadlock_stack=1"}


@pytest.fixture(scope="module")
def tsan_preload():
    # A clean make: not a sub-make of `make integration` (its MAKEFLAGS may carry BUILD=... or a
    # jobserver whose fds we do not pass on); -j2, as the whole tree is rebuilt at -O1 on a fresh
    # checkout.
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES")}
    make = subprocess.run([tool("make"), "--no-print-directory", "-j2", "tsan"], cwd=ROOT, capture_output=True,
                          timeout=300, env=env)
    assert make.returncode == 0, f"make tsan failed:\n{make.stdout.decode()[-3000:]}\n{make.stderr.decode()[-3000:]}"
    assert TSAN_LIB.is_file(), f"make tsan did not produce {TSAN_LIB}"
    libtsan = subprocess.run([tool("gcc"), "-print-file-name=libtsan.so"], capture_output=True, text=True,
                             check=True).stdout.strip()
    assert libtsan.startswith("/") and os.path.exists(libtsan), \
        f"gcc does not know libtsan.so: {libtsan!r} (Debian libtsan2, scripts/install-deps.sh)"
    # The runtime first: it must be initialised before any instrumented code runs.
    return f"{os.path.realpath(libtsan)}:{TSAN_LIB}"


def _clean(stderr):
    for marker in TSAN_ERRORS:
        assert marker not in stderr, f"ThreadSanitizer report:\n{stderr.decode(errors='replace')[-12000:]}"


def _run(gen, tsan_preload, argv, env=None, extra_preload=""):
    e = dict(ENV, **(env or {}))
    res = gen.run([tool("timeout"), "60"] + argv, ld_preload=tsan_preload + extra_preload, env=e, timeout=90)
    _clean(res.stderr)
    assert res.rc == 0, res.describe()
    return res


def _bg(gen, tsan_preload, name, argv):
    return Background(gen.tmp, name, argv, preload=False, env=dict(ENV, LD_PRELOAD=tsan_preload))


def test_tsan_threads_connect(gen, tsan_preload):
    """Eight threads recording connect spans into the ring while the exporter thread drains it."""
    threads, per = 8, 250
    argv = [prog("threads_connect"), str(threads), str(per)]
    bare = gen.run(argv, preload=False)
    res = _run(gen, tsan_preload, argv, env={"GENESIS_EXIT_FLUSH_MS": "30000"})
    assert res.stdout == bare.stdout == \
        f"threads={threads} per_thread={per} connects={threads * per} unexpected=0\n".encode(), res.describe()
    pids = [p for p, recs in res.files.items() if any(r["type"] == "span" for r in recs)]
    assert len(pids) == 1, res.describe()
    me = res.self_line(pids[0])
    assert_self_line(me, pids[0])
    assert me["operations"] == threads * per, me
    assert me["spans_exported"] + me["dropped_queue_full"] == threads * per and me["spans_exported"] > 0, me
    assert res.connect_spans(), res.describe()


def test_tsan_otlp_traces_metrics_logs(gen, tsan_preload, view):
    """The same threads, exported over OTLP to genesis-view: traces, metrics collected every
    200 ms while the threads update them, and the program's stdout as log records."""
    v = view()
    threads, per = 4, 150
    argv = [prog("threads_connect"), str(threads), str(per)]
    env = {"OTEL_EXPORTER_OTLP_ENDPOINT": v.url(), "OTEL_TRACES_EXPORTER": "otlp,console",
           "OTEL_METRICS_EXPORTER": "otlp", "OTEL_LOGS_EXPORTER": "otlp", "OTEL_METRIC_EXPORT_INTERVAL": "200",
           "GENESIS_EXIT_FLUSH_MS": "30000"}
    bare = gen.run(argv, preload=False)
    res = _run(gen, tsan_preload, argv, env=env)
    assert res.stdout == bare.stdout and res.stdout.endswith(b" unexpected=0\n"), res.describe()
    assert b"genesis:" not in res.stderr, res.describe()     # the collector was reachable
    recs = v.records(want=threads * per, timeout=10)
    spans = [r for r in recs if r["signal"] == "span"]
    assert len(spans) == threads * per, (len(spans), res.describe())
    assert_collector_unobserved(spans, v.port)
    signals = {r["signal"] for r in recs}
    assert {"metric", "log"} <= signals, sorted(signals)


def test_tsan_one_connection_two_threads(gen, tsan_preload):
    """split_client writes each request on its main thread and reads the answer on another; the
    shim holds the writer so that the reader reaches the library first and waits for the record."""
    assert SHIM.is_file(), f"{SHIM} is missing: build it with `make` (mk/integration.mk)"
    count = 20
    cap = Capture()
    try:
        env = {"SLOW_WRITE_MS": "2"}
        argv = [prog("split_client"), str(cap.port), str(count)]
        bare = gen.run(argv, preload=False, env=env)
        # The reader's wait for the writer's record is raised from 10 ms: under TSan, on a
        # loaded machine, the held writer's hook can come later than that.
        res = _run(gen, tsan_preload, argv, env={**env, "GENESIS_HTTP_AWAIT_MS": "1000"},
                   extra_preload=f":{SHIM}")
    finally:
        cap.close()
    assert res.stdout == bare.stdout == (f"answers {count}\n" + "HTTP/1.1 200 OK\n" * count).encode()
    spans = http_spans(res.spans, "CLIENT")
    assert len(spans) == count, res.describe()
    assert all(s["attributes"].get("http.response.status_code") == 200 for s in spans), spans


def test_tsan_http_server_and_client_threads(gen, tsan_preload):
    """http_loop: a server thread and a client thread in one process, keep-alive requests. Its
    output is CPU time per request, so only its form is compared with bare."""
    n = 300
    form = re.compile(rb"^server_ns \d+ client_ns \d+\n$")
    bare = gen.run([prog("http_loop"), str(n)], preload=False)
    res = _run(gen, tsan_preload, [prog("http_loop"), str(n)], env={"GENESIS_EXIT_FLUSH_MS": "30000"})
    assert form.match(bare.stdout) and form.match(res.stdout), res.describe()
    servers, clients = http_spans(res.spans, "SERVER"), http_spans(res.spans, "CLIENT")
    assert len(servers) == n and len(clients) == n, (len(servers), len(clients), res.describe())


def test_tsan_libnats_threads(gen, tsan_preload, nats_server, redis_server):
    """libnats: the subscriber's reader thread parses, its delivery thread runs the callback, which
    PINGs Redis on a socket of its own; the publisher's flusher thread writes. Spans linked."""
    url, n = nats_server.nats_url, 20
    bare_sub = Background(gen.tmp, "bsub", nats_client("sub", url, "gen.tsan", n, "-", redis_server.port),
                          preload=False)
    bare_pub = gen.run(nats_client("pub", url, "gen.tsan", n), preload=False)
    bare_sub.wait()
    sub = _bg(gen, tsan_preload, "tsub", nats_client("sub", url, "gen.tsan", n, "-", redis_server.port))
    pub = _run(gen, tsan_preload, nats_client("pub", url, "gen.tsan", n))
    sub.wait(timeout=60)
    _clean(sub.stderr)
    assert sub.rc == 0, sub.stderr
    assert pub.stdout == bare_pub.stdout == f"published {n}\n".encode()
    assert sub.stdout == bare_sub.stdout and sub.stdout.count(b" redis=+PONG\n") == n, sub.stdout
    consumers = nats_spans(sub.spans, "CONSUMER")
    assert len(consumers) == n, consumers
    assert_linked(consumers, nats_spans(pub.spans, "PRODUCER"))
    redis = [s for s in sub.spans if s["attributes"].get("db.system.name") == "redis" and s["name"] == "PING"]
    assert len(redis) == n, [s["name"] for s in sub.spans]

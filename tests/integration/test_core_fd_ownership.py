"""Descriptors the application takes back: a daemon closes every descriptor (os.closerange, a close
loop) after the library's exporter thread has started, and reuses the numbers for its own pipes and
files. The library must never poll, read, write or close what the application opened there, nor
write into it at exit; its console file and Prometheus listener come back on new numbers, and OTLP
export reconnects. Each program's output must be the same bare and preloaded. Every scenario also
runs under the ASan + UBSan build (libcurl is then loaded without RTLD_DEEPBIND, so its own calls go
through the hooks, whose whitelist is tested too).
"""
import pytest

from conftest import PY, free_port, prog
from test_core_asan import ENV as ASAN_ENV, SAN_ERRORS, asan_preload  # noqa: F401 (fixture)
from test_otlp_support import genesis_lines, otlp_env, receiver, sink  # noqa: F401 (fixtures)

NONE = {"OTEL_TRACES_EXPORTER": "none", "OTEL_METRICS_EXPORTER": "none"}


def quiet(tmp_path):
    """An exporter that starts the library's thread (and its wake descriptor) but writes nothing
    the test compares: console spans into a file of the test's. (With every exporter `none` the
    library starts nothing at all: test_core_disabled.py.)"""
    return {"OTEL_TRACES_EXPORTER": "console", "OTEL_METRICS_EXPORTER": "none",
            "GENESIS_CONSOLE_FILE": str(tmp_path / "spans.jsonl")}


class Flavour:
    """How the preloaded runs are made: the library as built, or its ASan build."""

    def __init__(self, name, ld_preload=None, env=None):
        self.name = name
        self.ld_preload = ld_preload
        self.env = env or {}

    def run(self, gen, argv, *, preload=True, env=None, timeout=30):
        if not preload:
            return gen.run(argv, preload=False, env=env, timeout=timeout)
        res = gen.run(argv, env=dict(env or {}, **self.env), ld_preload=self.ld_preload, timeout=timeout * 3)
        for marker in SAN_ERRORS:
            assert marker not in res.stderr, f"sanitizer report:\n{res.stderr.decode(errors='replace')[-6000:]}"
        return res


@pytest.fixture(params=["lib", "asan"])
def lib(request):
    if request.param == "lib":
        return Flavour("lib")
    return Flavour("asan", request.getfixturevalue("asan_preload"), ASAN_ENV)


# Shared by the Python hosts: the library's descriptors, found through /proc (none when bare).
HELPERS = r"""
import os, socket, sys, time
def links():
    out = {}
    for n in os.listdir("/proc/self/fd"):
        try:
            out[int(n)] = os.readlink(f"/proc/self/fd/{n}")
        except OSError:
            pass
    return out
def first(kind):
    found = [n for n, l in sorted(links().items()) if kind in l]
    return found[0] if found else None
def hit(port):
    s = socket.socket()
    try:
        s.connect(("127.0.0.1", port))
    except OSError:
        pass
    s.close()
def take_back(top, name):
    # a daemon closing every descriptor, opening and closing files on the freed numbers, then
    # opening the files it keeps: numbers 3..top are now the application's
    os.closerange(3, 1024)
    tmp = [os.open(os.devnull, os.O_RDONLY) for _ in range(3, top + 1)]
    for fd in tmp:
        os.close(fd)
    return [os.open(f"{name}{i}", os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o644) for i in range(3, top + 1)]
"""

PIPE = HELPERS + r"""
stage = sys.argv[1]
l = socket.socket()
l.bind(("127.0.0.1", 0))
l.listen(8)
c = socket.create_connection(l.getsockname())   # the first record: the exporter thread starts
time.sleep(0.3)
wake = first("eventfd")
t = wake if wake is not None else 4
l.detach(), c.detach()
os.closerange(3, 1024)
tmp = [os.open(os.devnull, os.O_RDONLY) for _ in range(3, t + 1)]
for fd in tmp:
    os.close(fd)
fill = [os.open(os.devnull, os.O_RDONLY) for _ in range(3, t)]
r, w = os.pipe()                                  # its read end lands on the wake descriptor's number
os.write(w, b"ping\n")
time.sleep(0.5)                                   # the exporter thread's wait loop runs a few times
os.set_blocking(r, False)
try:
    got = os.read(r, 100)
except BlockingIOError:
    got = b"nothing: another thread took the bytes"
print("read", got)
with open(stage, "w") as f:
    f.write(f"{wake} {r}\n")
"""


def test_pipe_on_the_wake_number_keeps_its_bytes(gen, tmp_path, lib):
    """The application's pipe lands on the number of the exporter's wake descriptor (closed by
    the application): the exporter thread must not poll and read that pipe (it stole the bytes,
    so a blocking read hung forever)."""
    stage = tmp_path / "stage"
    bare = lib.run(gen, [PY, "-c", PIPE, str(stage)], preload=False, env=quiet(tmp_path))
    pre = lib.run(gen, [PY, "-c", PIPE, str(stage)], env=quiet(tmp_path))
    assert bare.stdout == b"read b'ping\\n'\n", bare.describe()
    assert (pre.rc, pre.stdout, pre.stderr) == (bare.rc, bare.stdout, bare.stderr), pre.describe()
    wake, r = (int(x) if x != "None" else None for x in stage.read_text().split())
    assert wake is not None and wake == r, f"trigger not staged: wake descriptor {wake}, pipe {r}"


@pytest.mark.parametrize("how", ["loop", "closefrom"])
def test_exit_flush_never_writes_into_an_application_file(gen, tmp_path, sink, how, lib):
    """A C program closes 3..63 one by one (or calls closefrom(3), which glibc does without
    close() or close_range()), opens two files and writes "b\\n" to the second, which got the
    number of the exporter's wake descriptor: the exit flush must not write its 8-byte wake-up
    into that file."""
    for mode in ("bare", "pre"):
        d = tmp_path / mode
        d.mkdir()
        res = lib.run(gen, [prog("fd_reuse_exit"), str(sink), str(d), str(d / "stage"), how],
                      preload=mode == "pre", env=quiet(tmp_path))
        assert res.rc == 0 and res.stdout == b"wrote 2 bytes\n" and not res.stderr, res.describe()
        assert (d / "second").read_bytes() == b"b\n", mode
        assert (d / "first").read_bytes() == b"", mode
    wake, second = (int(x) for x in (tmp_path / "pre" / "stage").read_text().split())
    assert wake == second, f"trigger not staged: wake descriptor {wake}, second file {second}"


OTLP_LOGS = HELPERS + r"""
port, logdir = int(sys.argv[1]), sys.argv[2]
hit(port)
time.sleep(0.6)                 # exported; the collector connection is kept alive
top = max(max(links()), 15)     # the same numbers bare and preloaded
sock = [n for n, l in links().items() if l.startswith("socket:")]
logs = take_back(top, f"{logdir}/log")
hit(port)
time.sleep(0.6)                 # exported again
bad = [fd for fd in logs if os.readlink(f"/proc/self/fd/{fd}") != f"{logdir}/log{fd}"]
for fd in logs:
    os.write(fd, b"app line\n")
    os.close(fd)
sizes = {os.path.getsize(f"{logdir}/log{i}") for i in range(3, top + 1)}
print("descriptors replaced", bad, "sizes", sorted(sizes))
print("sockets before", len(sock) > 0, file=sys.stderr)
"""


def test_exporter_never_closes_or_reuses_an_application_log(gen, tmp_path, receiver, sink, lib):
    """OTLP to a live collector. The application closes the collector connection, reuses its number
    for a log file: libcurl must not close that log (as a dead connection of its own) and reconnect
    on its number, so the application's log lines never go to the collector; export recovers."""
    rcv = receiver()
    env = otlp_env(rcv.url(), OTEL_BSP_SCHEDULE_DELAY=100, OTEL_TRACES_EXPORTER="otlp")
    outs = []
    for mode in ("bare", "pre"):
        d = tmp_path / mode
        d.mkdir()
        res = lib.run(gen, [PY, "-c", OTLP_LOGS, str(sink), str(d)], preload=mode == "pre", env=env)
        outs.append(res)
    bare, pre = outs
    assert bare.stdout == b"descriptors replaced [] sizes [9]\n", bare.describe()
    assert pre.stdout == bare.stdout and pre.rc == bare.rc == 0, pre.describe()
    assert pre.stderr == b"sockets before True\n", pre.describe()
    reqs = rcv.wait_requests(2)
    assert len(reqs) == 2, [r.path for r in reqs]
    for r in reqs:
        assert any(s.name == f"connect 127.0.0.1:{sink}" for s in r.spans()), r.spans()
        assert b"app line" not in r.body


CONSOLE_LOG = HELPERS + r"""
port, logdir = int(sys.argv[1]), sys.argv[2]
hit(port)
time.sleep(0.4)                 # the span is written to the console file
top = max(max(links()), 15)     # the same numbers bare and preloaded
console = first("spans-")
logs = take_back(top, f"{logdir}/log")
hit(port)
hit(port)
time.sleep(0.4)                 # the console exporter writes again
for fd in logs:
    os.write(fd, b"9 bytes!\n")
    os.close(fd)
sizes = sorted({os.path.getsize(f"{logdir}/log{i}") for i in range(3, top + 1)})
print("log sizes", sizes)
print("console file was open", console is not None, file=sys.stderr)
"""


def test_console_exporter_never_writes_into_an_application_log(gen, tmp_path, sink, lib):
    """OTEL_TRACES_EXPORTER=console to GENESIS_CONSOLE_FILE. The application takes the console
    file's number for a log: no span line may go into that log; the exporter reopens its own file
    and the later spans are there."""
    outs = []
    for mode in ("bare", "pre"):
        d = tmp_path / mode
        d.mkdir()
        outs.append(lib.run(gen, [PY, "-c", CONSOLE_LOG, str(sink), str(d)], preload=mode == "pre"))
    bare, pre = outs
    assert bare.stdout == b"log sizes [9]\n", bare.describe()
    assert pre.stdout == bare.stdout and pre.rc == 0, pre.describe()
    assert pre.stderr == b"console file was open True\n", pre.describe()
    assert len(pre.connect_spans()) == 3, pre.describe()     # before and after the take-back
    assert len(pre.selfs) == 1, pre.describe()


PROM = HELPERS + r"""
port, prom, logdir = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
def scrape():
    for _ in range(50):
        try:
            with socket.create_connection(("127.0.0.1", prom), timeout=2) as s:
                s.sendall(b"GET /metrics HTTP/1.0\r\n\r\n")
                data = b""
                while True:
                    b = s.recv(65536)
                    if not b:
                        break
                    data += b
            if data.startswith(b"HTTP/1.1 200"):
                return "ok"
        except OSError:
            pass
        time.sleep(0.1)
    return "failed"
hit(port)
first_scrape = scrape()
top = max(max(links()), 15)     # the same numbers bare and preloaded
logs = take_back(top, f"{logdir}/log")
hit(port)
second_scrape = scrape()
for fd in logs:
    os.write(fd, b"9 bytes!\n")
    os.close(fd)
sizes = sorted({os.path.getsize(f"{logdir}/log{i}") for i in range(3, top + 1)})
print("scrapes", first_scrape, second_scrape, "log sizes", sizes)
"""


def test_prometheus_endpoint_comes_back(gen, tmp_path, sink, lib):
    """OTEL_METRICS_EXPORTER=prometheus. The application closes the listener with every other
    descriptor and reuses its number for a log: the endpoint listens again (it used to stop for the
    rest of the process's life), and the log gets only the application's bytes."""
    prom = free_port()
    env = {"OTEL_TRACES_EXPORTER": "none", "OTEL_METRICS_EXPORTER": "prometheus",
           "OTEL_EXPORTER_PROMETHEUS_PORT": str(prom)}
    pre = lib.run(gen, [PY, "-c", PROM, str(sink), str(prom), str(tmp_path)], env=env)
    assert pre.rc == 0 and not genesis_lines(pre.stderr), pre.describe()
    assert pre.stdout == b"scrapes ok ok log sizes [9]\n", pre.describe()

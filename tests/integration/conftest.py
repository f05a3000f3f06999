"""Shared machinery for the integration tests: run a program bare and under the library, collect the
console exporter's JSON lines, and start/stop the real servers the programs talk to.

Every run sends its spans to files (GENESIS_CONSOLE_FILE=<dir>/spans-%p.jsonl), never to the
program's stderr, so that stdout, stderr and the exit code can be compared byte for byte between
the bare and the preloaded run. The library and the test programs are found through GENESIS_LIB and
GENESIS_BUILD (set by `make integration`); all traffic goes to 127.0.0.1 only.
"""
import itertools
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PY = "/usr/bin/python3"
LIB = Path(os.environ.get("GENESIS_LIB", ROOT / "build" / "libgenesis_auto.so")).resolve()
BUILD = Path(os.environ.get("GENESIS_BUILD", ROOT / "build")).resolve()

HEX32 = re.compile(r"^[0-9a-f]{32}$")
HEX16 = re.compile(r"^[0-9a-f]{16}$")
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
SPAN_FILE = re.compile(r"^spans-(\d+)\.jsonl$")
SPAN_KEYS = {"type", "name", "kind", "trace_id", "span_id", "trace_flags", "start_time_unix_nano",
             "end_time_unix_nano", "status", "attributes", "resource"}
SELF_KEYS = {"type", "pid", "operations", "spans_exported", "spans_sampled_out", "dropped_queue_full",
             "export_failures"}
HELLO = b"hello from genesis-auto\n"


# ---------------------------------------------------------------------------------------------
# tools and programs

def tool(name):
    """Absolute path of a required external program; a missing tool fails the test (never skips)."""
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"required tool {name!r} is not installed (run `make deps`)")
    return path


def prog(name):
    """A test program built from tests/progs/<name>.c by mk/integration.mk."""
    path = BUILD / "tests" / "progs" / name
    assert path.is_file(), f"{path} is missing: build it with `make` (mk/integration.mk)"
    return str(path)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def clean_env(extra=None):
    """The environment every run starts from: ours minus anything that would change the library's
    or the programs' behaviour (OTEL_*, GENESIS_*, LD_PRELOAD, proxies), console traces only."""
    drop = ("LD_PRELOAD", "TRACEPARENT", "TRACESTATE", "BAGGAGE", "ASAN_OPTIONS", "UBSAN_OPTIONS")
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("OTEL_", "GENESIS_")) and k not in drop and not k.lower().endswith("_proxy")}
    env.update({"OTEL_TRACES_EXPORTER": "console", "OTEL_METRICS_EXPORTER": "none",
                "OTEL_LOGS_EXPORTER": "none", "LC_ALL": "C"})
    for k, v in (extra or {}).items():
        if v is None:
            env.pop(k, None)
        else:
            env[k] = v
    return env


# ---------------------------------------------------------------------------------------------
# one run of a program

class Result:
    def __init__(self, argv, preload, proc, stdout, stderr, elapsed, outdir, t0_ns, t1_ns):
        self.argv = argv
        self.preload = preload
        self.pid = proc.pid
        self.rc = proc.returncode
        self.stdout = stdout
        self.stderr = stderr
        self.elapsed = elapsed
        self.outdir = outdir
        self.t0_ns = t0_ns          # wall clock before the start / after the end of the run
        self.t1_ns = t1_ns
        self.files = read_span_files(outdir)   # {pid: [record, ...]}

    @property
    def records(self):
        return [r for recs in self.files.values() for r in recs]

    @property
    def spans(self):
        return [r for r in self.records if r["type"] == "span"]

    @property
    def selfs(self):
        return [r for r in self.records if r["type"] == "self"]

    def connect_spans(self, pid=None):
        recs = self.records if pid is None else self.files.get(pid, [])
        return [r for r in recs if r["type"] == "span" and r["name"].startswith("connect ")]

    def spans_named(self, name, pid=None):
        recs = self.records if pid is None else self.files.get(pid, [])
        return [r for r in recs if r["type"] == "span" and r["name"] == name]

    def self_line(self, pid):
        lines = [r for r in self.files.get(pid, []) if r["type"] == "self"]
        assert len(lines) == 1, f"expected one self line in the file of pid {pid}, got {lines}"
        return lines[0]

    def describe(self):
        return (f"argv={self.argv} preload={self.preload} rc={self.rc} elapsed={self.elapsed:.2f}s\n"
                f"stdout={self.stdout[-2000:]!r}\nstderr={self.stderr[-2000:]!r}\n"
                f"span files={ {p: len(r) for p, r in self.files.items()} }")


def read_span_files(outdir):
    """Parse every spans-<pid>.jsonl in outdir. Each line must be one complete JSON object of type
    span or self, and the file must end with a newline (no torn writes)."""
    files = {}
    for path in sorted(Path(outdir).iterdir()):
        m = SPAN_FILE.match(path.name)
        if not m:
            continue
        data = path.read_bytes()
        recs = []
        if data:
            assert data.endswith(b"\n"), f"{path}: last line is not terminated: {data[-200:]!r}"
        for no, line in enumerate(data.splitlines(), 1):
            try:
                rec = json.loads(line)
            except ValueError as e:
                raise AssertionError(f"{path}:{no}: not JSON ({e}): {line[:300]!r}") from None
            assert isinstance(rec, dict) and rec.get("type") in ("span", "self", "metric"), f"{path}:{no}: {line[:300]!r}"
            recs.append(rec)
        files[int(m.group(1))] = recs
    return files


class Runner:
    """Runs programs bare or preloaded; each run gets its own directory for span files."""

    def __init__(self, tmp_path):
        self.tmp = tmp_path
        self.seq = itertools.count()

    def run(self, argv, *, preload=True, env=None, input=None, timeout=60, lib=None, ld_preload=None,
            cwd=None):
        outdir = self.tmp / f"run{next(self.seq)}-{'pre' if preload else 'bare'}"
        outdir.mkdir()
        e = clean_env(env)
        e.setdefault("GENESIS_CONSOLE_FILE", str(outdir / "spans-%p.jsonl"))
        if preload:
            e["LD_PRELOAD"] = ld_preload if ld_preload is not None else str(lib or LIB)
        t0_ns = time.time_ns()
        t0 = time.monotonic()
        proc = subprocess.Popen(argv, stdin=subprocess.PIPE if input is not None else subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=e, cwd=cwd or self.tmp,
                                start_new_session=True)
        try:
            out, err = proc.communicate(input, timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            out, err = proc.communicate()
            pytest.fail(f"{argv} (preload={preload}) did not finish within {timeout}s\n"
                        f"stdout={out[-2000:]!r}\nstderr={err[-2000:]!r}")
        elapsed = time.monotonic() - t0
        res = Result(argv, preload, proc, out, err, elapsed, outdir, t0_ns, time.time_ns())
        if not preload:
            assert not res.files, f"bare run wrote span files?\n{res.describe()}"
        return res

    def compare(self, argv, *, env=None, input=None, timeout=60, expect_rc=0):
        """Run bare, then preloaded; the program must not see the difference."""
        bare = self.run(argv, preload=False, env=env, input=input, timeout=timeout)
        pre = self.run(argv, preload=True, env=env, input=input, timeout=timeout)
        assert_same_behaviour(bare, pre)
        if expect_rc is not None:
            assert pre.rc == expect_rc, pre.describe()
        return bare, pre


def run_measured(gen, argv, **kw):
    """Run argv under tests/progs/maxrss; returns (result, program pid, peak RSS of the program in KB)."""
    out = gen.tmp / f"maxrss{next(gen.seq)}.txt"
    res = gen.run([prog("maxrss"), str(out)] + list(argv), **kw)
    pid, kb = (int(x) for x in out.read_text().split())
    return res, pid, kb


def assert_same_behaviour(bare, pre):
    assert pre.rc == bare.rc, f"exit code differs\nBARE {bare.describe()}\nPRELOADED {pre.describe()}"
    assert pre.stdout == bare.stdout, f"stdout differs\nBARE {bare.describe()}\nPRELOADED {pre.describe()}"
    assert pre.stderr == bare.stderr, f"stderr differs\nBARE {bare.describe()}\nPRELOADED {pre.describe()}"


# ---------------------------------------------------------------------------------------------
# assertions on records

def assert_span_shape(span, res=None):
    """Every field the console contract promises, with the right types."""
    missing = SPAN_KEYS - span.keys()
    assert not missing, f"span lacks {missing}: {span}"
    assert span["type"] == "span"
    assert HEX32.match(span["trace_id"]) and span["trace_id"] != "0" * 32, span
    assert HEX16.match(span["span_id"]) and span["span_id"] != "0" * 16, span
    assert span["trace_flags"] in ("00", "01"), span
    if "parent_span_id" in span:
        assert HEX16.match(span["parent_span_id"]) and span["parent_span_id"] != "0" * 16, span
        assert isinstance(span["parent_remote"], bool), span
    else:
        assert "parent_remote" not in span, span
    assert span["kind"] in ("INTERNAL", "SERVER", "CLIENT", "PRODUCER", "CONSUMER"), span
    st, en = span["start_time_unix_nano"], span["end_time_unix_nano"]
    assert isinstance(st, int) and isinstance(en, int) and 0 < st <= en, span
    if res is not None:
        assert res.t0_ns <= st and en <= res.t1_ns, f"span times outside the run: {span} run=[{res.t0_ns},{res.t1_ns}]"
    assert isinstance(span["status"], dict) and span["status"].get("code") in ("UNSET", "OK", "ERROR"), span
    assert isinstance(span["attributes"], dict), span
    r = span["resource"]
    assert isinstance(r, dict), span
    for k in ("service.name", "service.instance.id", "process.pid", "process.executable.name", "host.name",
              "telemetry.sdk.name", "telemetry.sdk.language", "telemetry.sdk.version"):
        assert k in r, f"resource lacks {k}: {r}"
    assert isinstance(r["process.pid"], int), r
    assert UUID.match(r["service.instance.id"]), r
    assert r["telemetry.sdk.name"] == "genesis-auto" and r["telemetry.sdk.language"] == "c", r
    assert r["telemetry.sdk.version"] == "0.1.0", r


def assert_tcp_connect_span(span, port, status="UNSET", error_type=None):
    assert span["name"] == f"connect 127.0.0.1:{port}", span
    assert span["kind"] == "INTERNAL", span
    assert span["status"]["code"] == status, span
    a = span["attributes"]
    assert a.get("network.peer.address") == "127.0.0.1", a
    assert a.get("network.peer.port") == port and isinstance(a["network.peer.port"], int), a
    assert a.get("network.transport") == "tcp", a
    assert a.get("network.type") == "ipv4", a
    if error_type is None:
        assert "error.type" not in a, a
    else:
        assert a.get("error.type") == error_type, a


def assert_self_line(rec, pid):
    missing = SELF_KEYS - rec.keys()
    assert not missing, f"self line lacks {missing}: {rec}"
    assert rec["pid"] == pid, rec
    for k in SELF_KEYS - {"type", "pid"}:
        assert isinstance(rec[k], int) and rec[k] >= 0, rec


def assert_unique_span_ids(spans):
    seen = {}
    for s in spans:
        assert s["span_id"] not in seen, f"span_id {s['span_id']} appears twice:\n{seen[s['span_id']]}\n{s}"
        seen[s["span_id"]] = s


# ---------------------------------------------------------------------------------------------
# fixtures

@pytest.fixture(scope="session", autouse=True)
def library_built():
    assert LIB.is_file(), f"{LIB} does not exist: run `make` first (or set GENESIS_LIB)"
    return LIB


@pytest.fixture
def gen(tmp_path):
    return Runner(tmp_path)


def wait_port(port, proc, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.02)
    return False


class Server:
    def __init__(self, name, argv, port, workdir, stop_signal=signal.SIGTERM):
        self.name = name
        self.port = port
        self.workdir = workdir
        self.stop_signal = stop_signal
        self.log = open(workdir / f"{name}.out", "wb")
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=self.log, stderr=subprocess.STDOUT,
                                     env=clean_env(), cwd=workdir)
        if not wait_port(port, self.proc):
            self.stop()
            pytest.fail(f"{name} did not start on 127.0.0.1:{port}: "
                        f"{(workdir / f'{name}.out').read_text(errors='replace')[-2000:]}")

    def url(self, path="/"):
        return f"http://127.0.0.1:{self.port}{path}"

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(self.stop_signal)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


@pytest.fixture(scope="session")
def http_server(tmp_path_factory):
    """`python3 -m http.server` on 127.0.0.1:<free port>, serving hello.txt."""
    d = tmp_path_factory.mktemp("http")
    (d / "www").mkdir()
    (d / "www" / "hello.txt").write_bytes(HELLO)
    port = free_port()
    srv = Server("http.server", [PY, "-m", "http.server", "--bind", "127.0.0.1", str(port), "--directory",
                                 str(d / "www")], port, d)
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    """redis-server on 127.0.0.1:<free port>, no persistence, not daemonized (stopped by pid)."""
    d = tmp_path_factory.mktemp("redis")
    port = free_port()
    srv = Server("redis", [tool("redis-server"), "--bind", "127.0.0.1", "--port", str(port), "--dir", str(d),
                           "--save", "", "--appendonly", "no", "--daemonize", "no",
                           "--logfile", str(d / "redis.log")], port, d)
    yield srv
    srv.stop()

"""Helpers and fixtures shared by the Redis integration tests (test_redis_*.py import them).

A Redis span is a CLIENT span with db.system.name=redis; `redis_spans` picks them out of a run.
The fixtures start extra redis-servers on free loopback ports: one with a password, one running
under the library itself. Every server is stopped by pid.
"""
import os
import signal
import subprocess

import pytest

from conftest import LIB, PY, Server, clean_env, free_port, tool, wait_port

PASSWORD = "Gen3sis-S3cret-Pa55-7f1c"


def redis_spans(res, pid=None):
    recs = res.records if pid is None else res.files.get(pid, [])
    return [r for r in recs if r["type"] == "span" and r["attributes"].get("db.system.name") == "redis"]


def names(spans):
    return [s["name"] for s in spans]


def by_time(spans):
    return sorted(spans, key=lambda s: (s["start_time_unix_nano"], s["end_time_unix_nano"]))


def assert_redis_span(span, port, name=None, status="UNSET", code=None):
    """The attributes every Redis span carries (semconv db client + network)."""
    a = span["attributes"]
    assert span["kind"] == "CLIENT", span
    if name is not None:
        assert span["name"] == name, span
    assert a["db.operation.name"] == span["name"], span
    assert a["db.system.name"] == "redis", a
    assert a["db.namespace"].isdigit(), a
    assert a["server.port"] == port and a["network.peer.port"] == port, a
    assert a["network.peer.address"] == "127.0.0.1" and a["network.transport"] == "tcp", a
    assert span["status"]["code"] == status, span
    if code is None:
        assert "error.type" not in a and "db.response.status_code" not in a, a
    else:
        assert a["db.response.status_code"] == code and a["error.type"] == code, a
    assert span["start_time_unix_nano"] <= span["end_time_unix_nano"], span


def cli(port, *args):
    return [tool("redis-cli"), "-h", "127.0.0.1", "-p", str(port), *args]


def py(code, *args):
    return [PY, "-c", code, *[str(a) for a in args]]


def redis_argv(port, workdir, *extra):
    return [tool("redis-server"), "--bind", "127.0.0.1", "--port", str(port), "--dir", str(workdir),
            "--save", "", "--appendonly", "no", "--daemonize", "no", "--logfile", str(workdir / "redis.log"),
            *extra]


@pytest.fixture(scope="module")
def redis_auth_server(tmp_path_factory):
    """A redis-server that requires PASSWORD."""
    d = tmp_path_factory.mktemp("redis-auth")
    port = free_port()
    srv = Server("redis-auth", redis_argv(port, d, "--requirepass", PASSWORD), port, d)
    yield srv
    srv.stop()


class PreloadedRedis:
    """redis-server running under the library, its spans in <workdir>/spans-<pid>.jsonl."""

    def __init__(self, workdir):
        self.workdir = workdir
        self.port = free_port()
        env = clean_env({"LD_PRELOAD": str(LIB), "GENESIS_CONSOLE_FILE": str(workdir / "spans-%p.jsonl")})
        self.log = open(workdir / "server.out", "wb")
        self.proc = subprocess.Popen(redis_argv(self.port, workdir), stdin=subprocess.DEVNULL, stdout=self.log,
                                     stderr=subprocess.STDOUT, env=env, cwd=workdir)
        if not wait_port(self.port, self.proc):
            self.stop()
            pytest.fail(f"preloaded redis-server did not start: {(workdir / 'redis.log').read_text()[-2000:]}")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.log.close()
        return self.proc.returncode


@pytest.fixture
def preloaded_redis(tmp_path):
    d = tmp_path / "preloaded-redis"
    d.mkdir()
    srv = PreloadedRedis(d)
    yield srv
    srv.stop()

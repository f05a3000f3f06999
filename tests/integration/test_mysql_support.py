"""Shared machinery of the MySQL/MariaDB integration tests (no tests here): a throw-away mariadbd
in a temp datadir on a free 127.0.0.1 port (stopped by pid), the test schema, and helpers that
pick the database spans out of a run and check that no secret reached any exported byte."""
import signal
import subprocess
import time

import pytest

from conftest import PY, clean_env, free_port, tool, wait_port

USER = "genesis_tester"
PASSWORD = "pw-Xq7-login-secret"
LITERAL = "s3cr3t"
SECRETS = (LITERAL.encode(), PASSWORD.encode(), USER.encode())

SCHEMA = f"""
CREATE USER '{USER}'@'%' IDENTIFIED BY '{PASSWORD}';
GRANT ALL ON *.* TO '{USER}'@'%';
CREATE DATABASE test;
CREATE DATABASE other;
CREATE TABLE test.messages (id INT PRIMARY KEY, body VARCHAR(100));
INSERT INTO test.messages VALUES (1, 'hello'), (2, '{LITERAL}'), (3, 'third');
CREATE TABLE test.big (id INT PRIMARY KEY);
INSERT INTO test.big SELECT seq FROM test.seq_1_to_10000;
"""


class MariaDB:
    """mariadbd --no-defaults in `workdir` on a free port; `env` extra environment (LD_PRELOAD...)."""

    def __init__(self, workdir, env=None):
        self.dir = workdir
        self.port = free_port()
        self.env = clean_env(env)
        data = workdir / "data"
        subprocess.run([tool("mariadb-install-db"), "--no-defaults", f"--datadir={data}", "--user=root",
                        "--auth-root-authentication-method=normal", "--skip-test-db"],
                       env=self.env, cwd=workdir, check=True, capture_output=True, timeout=120)
        self.log = open(workdir / "mariadbd.out", "wb")
        self.proc = subprocess.Popen(
            [tool("mariadbd"), "--no-defaults", f"--datadir={data}", f"--socket={workdir}/mysqld.sock",
             f"--port={self.port}", "--bind-address=127.0.0.1", "--user=root",
             f"--log-error={workdir}/error.log", "--skip-log-bin", "--innodb-buffer-pool-size=64M"],
            stdin=subprocess.DEVNULL, stdout=self.log, stderr=subprocess.STDOUT, env=self.env, cwd=workdir)
        if not wait_port(self.port, self.proc, timeout=30) or not self._ready():
            self.stop()
            pytest.fail(f"mariadbd did not start: {(workdir / 'error.log').read_text(errors='replace')[-2000:]}")

    def _ready(self):
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.cli_root("SELECT 1").returncode == 0:
                return True
            time.sleep(0.1)
        return False

    def cli_root(self, sql):
        """The mariadb CLI as root, bare (setup and checks, never observed)."""
        return subprocess.run([tool("mariadb"), "--no-defaults", "-h127.0.0.1", f"-P{self.port}", "-uroot",
                               "-e", sql], env=clean_env(), capture_output=True, timeout=60)

    def load_schema(self):
        r = self.cli_root(SCHEMA)
        assert r.returncode == 0, r.stderr

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def start_mariadb(tmp_path_factory, name="mariadb", env=None):
    srv = MariaDB(tmp_path_factory.mktemp(name), env)
    srv.load_schema()
    return srv


def db_spans(res):
    """The database client spans of a run, in start order."""
    spans = [s for s in res.spans if "db.system.name" in s["attributes"]]
    return sorted(spans, key=lambda s: s["start_time_unix_nano"])


def span_file_bytes(res):
    return b"".join(p.read_bytes() for p in res.outdir.iterdir() if p.name.startswith("spans-"))


def assert_no_secrets(res):
    data = span_file_bytes(res)
    assert data, f"no span file at all\n{res.describe()}"
    for secret in SECRETS:
        assert secret not in data, f"{secret!r} was exported\n{res.describe()}"


def assert_db_span(span, port, system="mariadb", namespace=None, status="UNSET"):
    a = span["attributes"]
    assert span["kind"] == "CLIENT", span
    assert a["db.system.name"] == system, span
    assert a.get("server.address") == "127.0.0.1", span
    assert a.get("server.port") == port, span
    assert a.get("network.peer.address") == "127.0.0.1" and a.get("network.peer.port") == port, span
    assert span["status"]["code"] == status, span
    if namespace is not None:
        assert a.get("db.namespace") == namespace, span


def python(script, *args):
    """argv running a Python snippet with Debian's interpreter (it has MySQLdb and pymysql)."""
    return [PY, "-c", script] + [str(a) for a in args]


def by_name(spans, name):
    return [s for s in spans if s["name"] == name]



"""Shared machinery for the HTTP tests (no tests here): servers under the library or bare
(nginx, python http.server), a capturing HTTP server that records the exact bytes it
receives, and span helpers. Span files of every process go to the directory of its run, as
with conftest.Runner."""
import os
import re
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

from conftest import LIB, PY, clean_env, free_port, read_span_files, tool, wait_port

TP_LINE = re.compile(rb"traceparent: 00-([0-9a-f]{32})-([0-9a-f]{16})-0[01]\r\n")


class Service:
    """A long-running program (server), bare or preloaded, with its own span directory."""

    def __init__(self, name, argv, port, workdir, preload=True, env=None, stop_signal=signal.SIGTERM):
        self.name, self.port, self.stop_signal = name, port, stop_signal
        self.outdir = Path(workdir) / f"{name}-spans"
        self.outdir.mkdir(parents=True, exist_ok=True)
        e = clean_env(env)
        e["GENESIS_CONSOLE_FILE"] = str(self.outdir / "spans-%p.jsonl")
        if preload:
            e["LD_PRELOAD"] = str(LIB)
        self.log = open(Path(workdir) / f"{name}.out", "wb")
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=self.log, stderr=subprocess.STDOUT,
                                     env=e, cwd=workdir, start_new_session=True)
        if not wait_port(port, self.proc):
            self.stop()
            raise AssertionError(f"{name} did not start: {(Path(workdir) / f'{name}.out').read_text()[-2000:]}")

    def url(self, path="/"):
        return f"http://127.0.0.1:{self.port}{path}"

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(self.stop_signal)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()

    @property
    def spans(self):
        return [r for recs in read_span_files(self.outdir).values() for r in recs if r["type"] == "span"]


def nginx_conf(d, port, root, upstream=None):
    """A foreground nginx config: one worker, everything under d, static root, optional proxy."""
    d = Path(d)
    proxy = f"location /proxy/ {{ proxy_pass http://127.0.0.1:{upstream}/; }}" if upstream else ""
    temps = " ".join(f"{k}_temp_path {d}/{k};" for k in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    conf = d / "nginx.conf"
    conf.write_text(f"""user root; daemon off; worker_processes 1; pid {d}/nginx.pid; error_log {d}/error.log;
events {{ worker_connections 512; }}
http {{ access_log off; keepalive_requests 100000; {temps}
  server {{ listen 127.0.0.1:{port}; root {root}; {proxy} }} }}
""")
    return conf


def start_nginx(workdir, root, preload=True, upstream=None, env=None):
    d = Path(workdir) / f"nginx-{'pre' if preload else 'bare'}-{free_port()}"
    d.mkdir()
    port = free_port()
    conf = nginx_conf(d, port, root, upstream)
    return Service("nginx", [tool("nginx"), "-p", str(d), "-e", str(d / "error.log"), "-c", str(conf)],
                   port, d, preload=preload, env=env, stop_signal=signal.SIGQUIT)


# What `python3 -m http.server --bind 127.0.0.1 PORT --directory ROOT` runs (a ThreadingHTTPServer,
# SimpleHTTPRequestHandler, HTTP/1.0), except that its handler threads are not daemon threads and
# are joined before it exits. A client can read the answer before the handler thread's write has
# returned and ended the SERVER span; `-m http.server` stops on SIGINT with daemon handler threads,
# so a stop right after the last answer could exit in the middle of that handler and lose its span.
FILES_SERVER = r"""
import functools, http.server, sys
class S(http.server.ThreadingHTTPServer):
    daemon_threads = False          # joined at server_close(): no handler cut off by the exit
port, root = int(sys.argv[1]), sys.argv[2]
srv = S(("127.0.0.1", port), functools.partial(http.server.SimpleHTTPRequestHandler, directory=root))
try:
    srv.serve_forever()
except KeyboardInterrupt:           # SIGINT: Service.stop
    pass
finally:
    srv.server_close()
"""


def start_http_server(workdir, root, preload=True):
    port = free_port()
    return Service("http.server", [PY, "-c", FILES_SERVER, str(port), str(root)], port, workdir, preload=preload,
                   stop_signal=signal.SIGINT)


class Capture:
    """A bare HTTP/1.1 server in a thread: records every connection's raw bytes, answers each
    request (Content-Length or chunked body) with `200 ok`. slow=True reads in small steps."""

    def __init__(self, slow=False):
        self.slow = slow
        self.conns = []
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.stopped = False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while not self.stopped:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            rec = bytearray()
            self.conns.append(rec)
            threading.Thread(target=self._conn, args=(c, rec), daemon=True).start()

    def _conn(self, c, rec):
        buf = b""
        with c:
            while True:
                end = buf.find(b"\r\n\r\n")
                end = end + 4 if end >= 0 else (buf.find(b"\n\n") + 2 if b"\n\n" in buf else -1)
                if end < 0:
                    d = c.recv(4096 if self.slow else 65536)
                    if not d:
                        return
                    if self.slow:
                        time.sleep(0.0005)
                    rec += d
                    buf += d
                    continue
                head = buf[:end].lower()
                m = re.search(rb"content-length: *(\d+)", head)
                need = end + (int(m.group(1)) if m else 0)
                while len(buf) < need:
                    d = c.recv(4096 if self.slow else 65536)
                    if not d:
                        return
                    rec += d
                    buf += d
                buf = buf[need:]
                c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")

    def close(self):
        self.stopped = True
        self.sock.close()


def strip_injected(wire, expect_count):
    """The wire bytes minus the injected lines; asserts there are exactly expect_count of them,
    each right before the blank line that ends a header section. Returns (bytes, [(trace, span)])."""
    found = []
    out = bytearray()
    i = 0
    while True:
        m = TP_LINE.search(wire, i)
        if m is None:
            out += wire[i:]
            break
        after = wire[m.end():m.end() + 2]
        assert after == b"\r\n" or after[:1] == b"\n", f"injected line not before a blank line: {wire[m.start()-40:m.end()+10]!r}"
        out += wire[i:m.start()]
        found.append((m.group(1).decode(), m.group(2).decode()))
        i = m.end()
    assert len(found) == expect_count, f"{len(found)} injected lines, want {expect_count}: {wire[:600]!r}"
    return bytes(out), found


def by_id(spans):
    return {s["span_id"]: s for s in spans}


def http_spans(spans, kind):
    return [s for s in spans if s["kind"] == kind and "http.request.method" in s["attributes"]]

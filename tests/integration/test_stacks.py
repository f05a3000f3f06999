"""Call-site stacks (docs/stacks.md): GENESIS_STACKS, GENESIS_STACK_SLOW_MS.

- A C program built with -g -rdynamic (tests/progs/stacks_prog.c) whose load_user_history()
  runs SELECT SLEEP(0.2) through libmariadb and BLPOP with a 0.2 s timeout through hiredis:
  both spans carry code.stacktrace naming load_user_history, and code.function.name is
  load_user_history (the library's, libmariadb's, hiredis's and libc's frames are skipped).
  The fast query and the PING of load_user_profile() carry no stack; its failing command does.
  The program behaves the same bare and preloaded.
- GENESIS_STACKS=errors: only the failing command has a stack; off: none; the threshold moves.
- A Python client (a raw-socket Redis call) gets interpreter frames (documented).
- The host's C++ exceptions (tests/progs/throw_loop.cc): the instructions of N throw/catch
  (callgrind, only the do_throws function of the main thread) are the same bare and preloaded
  with libunwind loaded by a capture — while libunwind preloaded globally (the trap the
  library avoids) makes every throw far more expensive, which shows the measure can see it.
"""
import glob
import os
import re
import subprocess

import pytest

from conftest import LIB, PY, clean_env, prog, tool
from test_mysql_support import PASSWORD, USER, start_mariadb


@pytest.fixture(scope="module")
def mariadb(tmp_path_factory):
    srv = start_mariadb(tmp_path_factory)
    yield srv
    srv.stop()


def client_spans(res):
    spans = [s for s in res.spans if s["kind"] == "CLIENT" and "db.system.name" in s["attributes"]]
    return sorted(spans, key=lambda s: s["start_time_unix_nano"])


def by_text(spans, needle):
    out = [s for s in spans if needle in (s["attributes"].get("db.query.text") or "")
           or needle in s["name"]]
    assert out, [(s["name"], s["attributes"].get("db.query.text")) for s in spans]
    return out


def run_prog(gen, redis_server, mariadb, env=None, compare=False):
    argv = [str(prog("stacks_prog")), str(redis_server.port), str(mariadb.port), USER, PASSWORD]
    if compare:
        _, pre = gen.compare(argv, env=env)
        return pre
    res = gen.run(argv, env=env)
    assert res.rc == 0, res.describe()
    return res


def stack_of(span):
    return span["attributes"].get("code.stacktrace")


def test_slow_queries_carry_the_calling_function(gen, redis_server, mariadb):
    res = run_prog(gen, redis_server, mariadb, compare=True)
    spans = client_spans(res)
    slow_sql = [s for s in spans if "SLEEP" in (s["attributes"].get("db.query.text") or "")]
    slow_redis = [s for s in spans if s["attributes"].get("db.operation.name") == "BLPOP"]
    assert slow_sql and slow_redis, [s["name"] for s in spans]
    for s, helper in [(x, "query") for x in slow_sql] + [(x, "command") for x in slow_redis]:
        st = stack_of(s)
        assert st and "load_user_history" in st, s
        # the first application frame is the program's static helper (named from .symtab),
        # then its caller (named by dladdr: -rdynamic), then main
        assert s["attributes"].get("code.function.name") == helper, st
        lines = st.splitlines()
        assert lines[0].startswith(helper + "+0x") and "stacks_prog+0x" in lines[0], st
        assert lines[1].startswith("load_user_history+0x"), st
        assert "main+0x" in st, st
        for lib in ("libgenesis_auto", "libmariadb", "libhiredis", "libunwind"):
            assert lib not in lines[0], st
    fast = [s for s in spans if s["attributes"].get("db.query.text") in ("SELECT 1", "SELECT ?")
            or s["attributes"].get("db.operation.name") == "PING"]
    assert len(fast) >= 2, [s["name"] for s in spans]
    for s in fast:
        assert "code.stacktrace" not in s["attributes"] and "code.function.name" not in s["attributes"], s
    failed = [s for s in spans if s["status"]["code"] == "ERROR"]
    assert failed and all("load_user_profile" in stack_of(s) for s in failed), failed


def test_modes_and_threshold(gen, redis_server, mariadb):
    errors = client_spans(run_prog(gen, redis_server, mariadb, env={"GENESIS_STACKS": "errors"}))
    with_stack = [s for s in errors if "code.stacktrace" in s["attributes"]]
    assert with_stack and all(s["status"]["code"] == "ERROR" for s in with_stack), with_stack
    off = client_spans(run_prog(gen, redis_server, mariadb, env={"GENESIS_STACKS": "off"}))
    assert off and not [s for s in off if "code.stacktrace" in s["attributes"]]
    high = client_spans(run_prog(gen, redis_server, mariadb, env={"GENESIS_STACK_SLOW_MS": "5000"}))
    assert not [s for s in high if "code.stacktrace" in s["attributes"] and s["status"]["code"] != "ERROR"]
    low = client_spans(run_prog(gen, redis_server, mariadb, env={"GENESIS_STACK_SLOW_MS": "0"}))
    assert all("code.stacktrace" in s["attributes"] for s in low), low


PY_CLIENT = r'''
import socket, sys
def fetch_profile(port):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"*3\r\n$5\r\nBLPOP\r\n$11\r\nstacks:none\r\n$3\r\n0.2\r\n")
    data = s.recv(100)
    s.close()
    return data
print(fetch_profile(int(sys.argv[1])))
'''


def test_python_client_gets_interpreter_frames(gen, redis_server, tmp_path):
    script = tmp_path / "client.py"
    script.write_text(PY_CLIENT)
    res = gen.run([PY, str(script), str(redis_server.port)])
    assert res.rc == 0, res.describe()
    spans = [s for s in res.spans if s["attributes"].get("db.operation.name") == "BLPOP"]
    assert spans, res.describe()
    st = stack_of(spans[0])
    assert st and "python3" in st and "fetch_profile" not in st, st
    assert re.search(r"_PyEval_EvalFrameDefault|PyEval_EvalCode|Py_RunMain", st), st


# ---- the host's C++ exceptions ---------------------------------------------------------------

def throw_instructions(tmp_path, n, env):
    """Instructions executed in do_throws(n) on the main thread, by callgrind."""
    out = tmp_path / f"cg-{n}-{len(list(tmp_path.iterdir()))}"
    out.mkdir()
    e = clean_env(env)
    r = subprocess.run([tool("valgrind"), "--tool=callgrind", "--separate-threads=yes",
                        "--collect-atstart=no", "--toggle-collect=do_throws",
                        f"--callgrind-out-file={out}/cg.out", *e.pop("ARGV").split()],
                       env=e, capture_output=True, timeout=300)
    assert r.returncode == 0 and f"caught {n} of {n}".encode() in r.stdout, r.stderr[-3000:]
    main = [p for p in glob.glob(f"{out}/cg.out*") if p.endswith("-01")]      # the main thread
    assert main, os.listdir(out)
    for line in open(main[0]):
        if line.startswith("summary:") or line.startswith("totals:"):
            return int(line.split()[1])
    raise AssertionError("no totals line")


def per_throw(tmp_path, env):
    a = throw_instructions(tmp_path, 200, dict(env, ARGV=env["ARGV"].replace("N", "200")))
    b = throw_instructions(tmp_path, 400, dict(env, ARGV=env["ARGV"].replace("N", "400")))
    return (b - a) / 200


def test_host_exceptions_cost_the_same(tmp_path, redis_server):
    argv = f"{prog('throw_loop')} N {redis_server.port}"
    outdir = tmp_path / "spans"
    outdir.mkdir()
    bare = per_throw(tmp_path, {"ARGV": argv})
    pre_env = {"ARGV": argv, "LD_PRELOAD": str(LIB), "GENESIS_STACK_SLOW_MS": "0",
               "GENESIS_CONSOLE_FILE": str(outdir / "spans-%p.jsonl"), "GENESIS_EXIT_FLUSH_MS": "5000"}
    pre = per_throw(tmp_path, pre_env)
    # the PING before the throws did get a stack: libunwind was loaded when the throws ran
    text = "".join(p.read_text() for p in outdir.iterdir())
    assert '"code.stacktrace"' in text and "throw_loop" in text, text[:2000]
    trap = per_throw(tmp_path, {"ARGV": argv, "LD_PRELOAD": "libunwind.so.8"})
    print(f"instructions per throw: bare {bare:.0f}, preloaded {pre:.0f}, libunwind global {trap:.0f}")
    assert abs(pre - bare) <= 0.01 * bare, (bare, pre)
    assert trap > 1.5 * bare, (bare, trap)


PY_HTTP = r'''
import http.server, threading, urllib.error, urllib.request
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"no\n"
        self.send_response(500 if self.path == "/fail" else 200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
class S(http.server.ThreadingHTTPServer):
    daemon_threads = False          # joined at server_close(): no handler cut off by the exit
srv = S(("127.0.0.1", 0), H)
threading.Thread(target=srv.serve_forever, daemon=True).start()
url = "http://127.0.0.1:%d" % srv.server_address[1]
urllib.request.urlopen(url + "/ok", timeout=10).read()
try:
    urllib.request.urlopen(url + "/fail", timeout=10).read()
except urllib.error.HTTPError as e:
    print(e.code)
# The client can read the answer before the handler thread's write has returned (and ended the
# SERVER span): wait for the handlers, so the process does not exit in the middle of one.
srv.shutdown()
srv.server_close()
'''


def test_http_client_error_gets_a_stack_server_span_none(gen, tmp_path):
    script = tmp_path / "http_client.py"
    script.write_text(PY_HTTP)
    res = gen.run([PY, str(script)])
    assert res.rc == 0 and res.stdout == b"500\n", res.describe()
    client = {s["attributes"].get("url.full", s["name"]): s for s in res.spans if s["kind"] == "CLIENT"}
    failed = [s for s in client.values() if s["status"]["code"] == "ERROR"]
    ok = [s for s in client.values() if s["status"]["code"] != "ERROR"]
    assert len(failed) == 1 and len(ok) == 1, client
    assert "python3" in failed[0]["attributes"].get("code.stacktrace", ""), failed[0]
    assert "code.stacktrace" not in ok[0]["attributes"], ok[0]
    servers = [s for s in res.spans if s["kind"] == "SERVER"]
    assert len(servers) == 2 and all("code.stacktrace" not in s["attributes"] for s in servers), servers


def test_tail_kept_segments_carry_their_stacks(gen, redis_server, mariadb):
    """Head sampling keeps nothing; local tail sampling keeps the slow and failed operations
    (each a top-level client span here), and they arrive with their stacks."""
    env = {"OTEL_TRACES_SAMPLER": "always_off", "GENESIS_TAIL_SAMPLING": "errors,slow",
           "GENESIS_TAIL_SLOW_MS": "100"}
    spans = client_spans(run_prog(gen, redis_server, mariadb, env=env))
    kept = {s["name"]: s for s in spans}
    assert "BLPOP" in kept and "NOSUCHCOMMAND" in kept and "PING" not in kept, sorted(kept)
    assert "load_user_history" in stack_of(kept["BLPOP"]), kept["BLPOP"]
    assert "load_user_profile" in stack_of(kept["NOSUCHCOMMAND"]), kept["NOSUCHCOMMAND"]


from test_core_asan import ENV as ASAN_ENV, SAN_ERRORS, asan_preload  # noqa: E402,F401 (fixture)


def test_stacks_under_asan(gen, redis_server, mariadb, asan_preload):
    """The capture, the encoding and the exporter's naming under AddressSanitizer + UBSan."""
    argv = [tool("timeout"), "120", str(prog("stacks_prog")), str(redis_server.port), str(mariadb.port), USER,
            PASSWORD]
    res = gen.run(argv, ld_preload=asan_preload, env=dict(ASAN_ENV), timeout=150)
    for marker in SAN_ERRORS:
        assert marker not in res.stderr, res.stderr.decode(errors="replace")[-6000:]
    assert res.rc == 0, res.describe()
    slow = [s for s in client_spans(res) if s["attributes"].get("db.operation.name") == "BLPOP"]
    assert slow and "load_user_history" in stack_of(slow[0]), slow

"""Log capture with real programs: what they write to stdout and stderr, their syslog(3) messages
and the files GENESIS_LOGS_FILES names become OTLP log records on /v1/logs (decoded with
protobuf), each with the trace context of the span active on the writing thread
(docs/logs.md)."""

import json
import os
import resource
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

import otlp_pb
from conftest import LIB, clean_env, free_port, wait_port
from test_http_support import start_nginx
from test_otlp_support import receiver  # noqa: F401  (fixture)

HERE = Path(__file__).resolve().parent / "logs"
PY = "/usr/bin/python3"


def env_for(rcv, extra=None):
    e = clean_env({"OTEL_TRACES_EXPORTER": "otlp", "OTEL_METRICS_EXPORTER": "none",
                   "OTEL_LOGS_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_ENDPOINT": rcv.url(),
                   "OTEL_BLRP_SCHEDULE_DELAY": "50", "OTEL_BSP_SCHEDULE_DELAY": "50",
                   "GENESIS_EXIT_FLUSH_MS": "3000"})
    e.update(extra or {})
    return e


def run(argv, rcv, extra=None, preload=True, **kw):
    e = env_for(rcv, extra)
    if preload:
        e["LD_PRELOAD"] = str(LIB)
    if "stdout" not in kw:
        kw["capture_output"] = True
    return subprocess.run(argv, env=e, timeout=kw.pop("timeout", 60), **kw)


def logs(rcv):
    return [d for r in list(rcv.requests) if r.path == "/v1/logs"
            for d in otlp_pb.log_dicts(otlp_pb.decode_logs(r.body))]


def spans(rcv):
    return [s for r in list(rcv.requests) if r.path == "/v1/traces" for s in r.spans()]


def wait_logs(rcv, n, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and len(logs(rcv)) < n:
        time.sleep(0.05)
    return logs(rcv)


def cc(tmp_path, name, *flags):
    out = tmp_path / name
    subprocess.run(["gcc", "-O2", "-D_FORTIFY_SOURCE=2", *flags, "-o", str(out), str(HERE / f"{name}.c"),
                    "-lpthread"], check=True)
    return str(out)


def test_bash_echo_stdout_and_stderr(receiver):
    rcv = receiver()
    p = run(["bash", "-c", "echo hello from bash; echo 'ERROR: disk full' >&2; echo plain stderr >&2;"
             " printf 'no newline at the end'"], rcv)
    assert p.returncode == 0 and p.stdout == b"hello from bash\nno newline at the end"
    recs = {r["body"]: r for r in wait_logs(rcv, 4)}
    assert set(recs) == {"hello from bash", "ERROR: disk full", "plain stderr", "no newline at the end"}
    assert recs["hello from bash"]["attributes"] == {"log.iostream": "stdout"}
    err = recs["ERROR: disk full"]
    assert err["attributes"]["log.iostream"] == "stderr"
    assert err["severity_number"] == 17 and err["severity_text"] == "ERROR"
    # stderr without a level stays unset, not "error"
    assert recs["plain stderr"]["severity_number"] == 0 and recs["plain stderr"]["severity_text"] == ""
    for r in recs.values():
        assert r["trace_id"] == "" and r["span_id"] == ""      # nothing active
        assert r["time_unix_nano"] > 0 and r["observed_time_unix_nano"] > 0
        assert r["resource"]["service.name"].startswith("unknown_service:bash")


def test_python_logging_in_http_handler_carries_server_span(receiver, tmp_path):
    rcv = receiver()
    port = free_port()
    e = env_for(rcv, {"LD_PRELOAD": str(LIB), "OTEL_SERVICE_NAME": "pyapp"})
    srv = subprocess.Popen([PY, str(HERE / "py_server.py"), str(port)], env=e, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE)
    try:
        assert wait_port(port, srv)
        for i in range(3):
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/item/{i}", timeout=10) as r:
                assert r.read() == b"ok\n"
        recs = wait_logs(rcv, 6)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and len([s for s in spans(rcv) if s.kind == 2]) < 3:
            time.sleep(0.05)
    finally:
        srv.terminate()
        out, err = srv.communicate(timeout=10)
    servers = {s.span_id.hex(): s for s in spans(rcv) if s.kind == 2}
    assert len(servers) == 3
    errs = [r for r in recs if r["attributes"].get("log.iostream") == "stderr"]
    jsons = [r for r in recs if r["attributes"].get("log.iostream") == "stdout"]
    assert len(errs) == 3 and len(jsons) == 3
    for r in errs:
        assert r["body"].startswith("ERROR:app:handling /item/")
        assert r["severity_number"] == 17 and r["severity_text"] == "ERROR"
    for r in jsons:
        assert json.loads(r["body"])["msg"] == "served"           # the original line, as a string
        assert r["severity_number"] == 9 and r["severity_text"] == "info"
    for r in errs + jsons:
        s = servers[r["span_id"]]                                  # the span served when it was written
        assert r["trace_id"] == s.trace_id.hex()
        assert r["flags"] == 1
        assert r["resource"]["service.name"] == "pyapp"
    paths = {json.loads(r["body"])["path"]: r["span_id"] for r in jsons}
    assert len(set(paths.values())) == 3                           # one span per request


def test_c_syslog_priority_kept(receiver, tmp_path):
    rcv = receiver()
    exe = cc(tmp_path, "syslog_demo")
    assert "__syslog_chk" in subprocess.run(["nm", "-D", exe], capture_output=True, text=True).stdout
    p = run([exe], rcv)
    assert p.returncode == 0
    recs = {r["body"]: r for r in wait_logs(rcv, 2)}
    assert set(recs) == {"hello x: No such file or directory", "disk 3 failed"}
    assert recs["hello x: No such file or directory"]["severity_number"] == 13
    assert recs["hello x: No such file or directory"]["severity_text"] == "warning"
    assert recs["disk 3 failed"]["severity_number"] == 17
    assert recs["disk 3 failed"]["severity_text"] == "err"


def test_node_console_log(receiver):
    rcv = receiver()
    p = run(["node", "-e", "console.log('hi from node'); console.error('WARN careful');"
             " console.log(JSON.stringify({level: 'error', msg: 'json'}))"], rcv)
    assert p.returncode == 0
    recs = {r["body"]: r for r in wait_logs(rcv, 3)}
    assert recs["hi from node"]["attributes"] == {"log.iostream": "stdout"}
    assert recs["WARN careful"]["severity_number"] == 13
    assert recs["WARN careful"]["attributes"] == {"log.iostream": "stderr"}
    assert recs['{"level":"error","msg":"json"}']["severity_number"] == 17


def test_64_threads_every_record_one_whole_line(receiver, tmp_path):
    rcv = receiver()
    exe = cc(tmp_path, "threads_demo")
    p = run([exe], rcv, {"GENESIS_QUEUE_SIZE": "65536", "OTEL_BLRP_MAX_QUEUE_SIZE": "65536"})
    assert p.returncode == 0
    lines = p.stdout.decode().splitlines()
    assert len(lines) == 64 * 200
    recs = wait_logs(rcv, len(lines), timeout=30)
    bodies = [r["body"] for r in recs]
    assert sorted(bodies) == sorted(lines)                      # whole lines, none split or joined
    for b in bodies:
        assert b.startswith("thread=") and b.endswith(" end")


def test_binary_gigabyte_bounded_memory_no_records(receiver, tmp_path):
    rcv = receiver()
    script = ("import os\nchunk = bytes(range(256)) * 256\n"
              "for _ in range((1 << 30) // len(chunk)):\n    os.write(1, chunk)\n"
              "import resource\nos.write(2, b'maxrss=%d' % resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n")
    bare = subprocess.run([PY, "-c", script], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          env=clean_env(), timeout=120)
    p = run([PY, "-c", script], rcv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=120)
    assert p.returncode == 0
    rss_bare = int(bare.stderr.split(b"maxrss=")[1])
    rss_pre = int(p.stderr.split(b"maxrss=")[1])
    assert rss_pre < rss_bare + 64 * 1024, (rss_bare, rss_pre)   # KiB: the ring and buffers only
    time.sleep(0.5)
    assert [r for r in logs(rcv) if r["attributes"].get("log.iostream") == "stdout"] == []


def test_invalid_utf8_not_exported(receiver):
    rcv = receiver()
    p = run([PY, "-c", "import os; os.write(1, b'ok line\\n' + b'\\xff\\xfe bad\\n' * 1000 + b'last\\n')"], rcv)
    assert p.returncode == 0
    time.sleep(0.3)
    assert sorted(r["body"] for r in wait_logs(rcv, 2)) == ["last", "ok line"]


def test_long_line_cut_and_marked(receiver):
    rcv = receiver()
    p = run([PY, "-c", "import sys; sys.stdout.write('x' * 40000 + '\\nnext\\n')"], rcv)
    assert p.returncode == 0
    recs = wait_logs(rcv, 2)
    cut = [r for r in recs if r["body"].startswith("x")]
    assert len(cut) == 1 and len(cut[0]["body"]) == 16384
    assert cut[0]["attributes"]["genesis.log.truncated"] is True
    assert [r["body"] for r in recs if not r["body"].startswith("x")] == ["next"]


def test_escape_sequences_stripped(receiver):
    rcv = receiver()
    p = run(["bash", "-c", "printf '\\033[31mERROR\\033[0m colored\\r\\n'"], rcv)
    assert p.stdout == b"\x1b[31mERROR\x1b[0m colored\r\n"              # the program's output untouched
    recs = wait_logs(rcv, 1)
    assert [r["body"] for r in recs] == ["ERROR colored"] and recs[0]["severity_number"] == 17


def test_nginx_error_log_via_logs_files(receiver, tmp_path):
    rcv = receiver()
    www = tmp_path / "www"
    www.mkdir()
    (www / "index.html").write_text("hi\n")
    e = {k: v for k, v in env_for(rcv).items() if k.startswith(("OTEL_", "GENESIS_"))}
    e["GENESIS_LOGS_FILES"] = "*/error.log"
    srv = start_nginx(tmp_path, www, env=e)
    try:
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(srv.url("/missing.html"), timeout=10)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not [r for r in logs(rcv) if "missing.html" in r["body"]]:
            time.sleep(0.05)
    finally:
        srv.stop()
    recs = [r for r in logs(rcv) if "missing.html" in r["body"]]
    assert len(recs) == 1
    r = recs[0]
    assert "[error]" in r["body"] and "No such file or directory" in r["body"]
    assert r["severity_number"] == 17 and r["severity_text"] == "error"
    assert r["attributes"]["log.file.path"].endswith("/error.log")
    assert len(r["trace_id"]) == 32                              # written while serving the request


def test_logs_off_is_byte_identical_and_exports_nothing(receiver, tmp_path):
    rcv = receiver()
    cmd = ["bash", "-c", "for i in $(seq 100); do echo line $i; echo err $i >&2; done; printf tail"]
    bare = subprocess.run(cmd, capture_output=True, env=clean_env(), timeout=30)
    on = run(cmd, rcv)
    off = run(cmd, rcv, {"GENESIS_LOGS": "0"})
    assert on.stdout == bare.stdout and on.stderr == bare.stderr
    assert off.stdout == bare.stdout and off.stderr == bare.stderr
    n_on = len(wait_logs(rcv, 201))
    assert n_on == 201
    time.sleep(0.3)
    assert len(logs(rcv)) == n_on                                # GENESIS_LOGS=0 sent nothing


def test_console_exporter_prints_log_records(tmp_path):
    out = tmp_path / "con.jsonl"
    e = clean_env({"OTEL_TRACES_EXPORTER": "none", "OTEL_LOGS_EXPORTER": "console",
                   "GENESIS_CONSOLE_FILE": str(out), "LD_PRELOAD": str(LIB)})
    p = subprocess.run(["bash", "-c", "echo 'WARNING: low' >&2"], env=e, capture_output=True, timeout=30)
    assert p.stderr == b"WARNING: low\n"
    recs = [r for r in otlp_pb.read_jsonl(out) if r["type"] == "log"]
    assert len(recs) == 1
    assert recs[0]["body"] == "WARNING: low" and recs[0]["severity_number"] == 13
    assert recs[0]["attributes"] == {"log.iostream": "stderr"}


def _serve_and_collect(rcv, extra, n=3):
    port = free_port()
    e = env_for(rcv, dict(extra, LD_PRELOAD=str(LIB)))
    srv = subprocess.Popen([PY, "-u", str(HERE / "py_server.py"), str(port)], env=e,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert wait_port(port, srv)
        for i in range(n):
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/item/{i}", timeout=10) as r:
                assert r.read() == b"ok\n"
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and len([s for s in spans(rcv) if s.kind == 2]) < n:
            time.sleep(0.05)
    finally:
        srv.terminate()
        out, err = srv.communicate(timeout=10)
    return out, err, {s.span_id.hex(): s for s in spans(rcv) if s.kind == 2}


def test_injection_auto_json_and_text_lines(receiver):
    rcv = receiver()
    out, err, servers = _serve_and_collect(rcv, {"GENESIS_LOGS_INJECT": "auto"})
    assert len(servers) == 3
    lines = out.decode().splitlines()
    assert len(lines) == 3                                      # same line count
    for line in lines:
        obj = json.loads(line)                                  # still JSON
        assert obj["msg"] == "served"
        s = servers[obj["span_id"]]                             # the ids of the exported server span
        assert obj["trace_id"] == s.trace_id.hex()
        assert list(obj)[:3] == ["level", "msg", "path"]        # the program's own keys first, in order
    errs = [l for l in err.decode().splitlines() if "handling" in l]
    assert len(errs) == 3
    for line in errs:
        head, _, tail = line.partition(" trace_id=")
        assert head.startswith("ERROR:app:handling /item/")
        tid, _, sid = tail.partition(" span_id=")
        assert servers[sid].trace_id.hex() == tid
    # the exported records keep the program's original line as their body
    recs = wait_logs(rcv, 6)
    assert all("trace_id" not in r["body"] for r in recs)


def test_injection_off_output_identical(receiver, tmp_path):
    rcv = receiver()
    script = ("import json,sys\nfor i in range(50):\n"
              "    sys.stdout.write(json.dumps({'i': i}) + '\\n'); sys.stdout.flush()\n"
              "    sys.stderr.write('line %d\\n' % i)\n")
    bare = subprocess.run([PY, "-c", script], capture_output=True, env=clean_env(), timeout=30)
    off = run([PY, "-c", script], rcv)
    (tmp_path / "bare").write_bytes(bare.stdout + bare.stderr)
    (tmp_path / "off").write_bytes(off.stdout + off.stderr)
    assert subprocess.run(["cmp", str(tmp_path / "bare"), str(tmp_path / "off")]).returncode == 0
    # no span active: injection on changes nothing either
    on = run([PY, "-c", script], rcv, {"GENESIS_LOGS_INJECT": "auto"})
    assert on.stdout == bare.stdout and on.stderr == bare.stderr


def test_drops_counted_in_self_metrics(receiver, tmp_path):
    rcv = receiver()
    port = free_port()
    out = tmp_path / "metrics.txt"
    script = ("import os,time,urllib.request,sys\n"
              "os.write(1, b'hello\\n'); os.write(1, b'bin\\x00ary' * 100); os.write(1, b'\\xff\\xfe\\n')\n"
              "time.sleep(0.5)\n"
              f"t = urllib.request.urlopen('http://127.0.0.1:{port}/metrics').read().decode()\n"
              f"open({str(out)!r}, 'w').write(t)\n")
    p = run([PY, "-c", script], rcv, {"OTEL_METRICS_EXPORTER": "prometheus",
                                      "OTEL_EXPORTER_PROMETHEUS_PORT": str(port)})
    assert p.returncode == 0, p.stderr
    text = out.read_text()

    def value(reason):
        for line in text.splitlines():
            if line.startswith("genesis_sdk_logs_dropped_total{") and f'reason="{reason}"' in line:
                return int(line.rsplit(" ", 1)[1])
        raise AssertionError(f"no series for {reason}:\n{text[-2000:]}")
    assert value("binary") == 1 and value("invalid_utf8") == 1 and value("queue_full") == 0
    assert [r["body"] for r in wait_logs(rcv, 1)] == ["hello"]


def test_per_signal_logs_endpoint_headers_and_gzip(receiver):
    traces, logs_rcv = receiver(), receiver()
    p = run(["bash", "-c", "echo routed"], traces,
            {"OTEL_EXPORTER_OTLP_LOGS_ENDPOINT": logs_rcv.url("/custom/logs"),
             "OTEL_EXPORTER_OTLP_LOGS_HEADERS": "x-scope-orgid=tenant1",
             "OTEL_EXPORTER_OTLP_LOGS_COMPRESSION": "gzip"})
    assert p.returncode == 0
    reqs = logs_rcv.wait_requests(1)
    assert [r.path for r in reqs] == ["/custom/logs"]               # used as is
    assert reqs[0].headers.get("x-scope-orgid") == "tenant1"
    assert reqs[0].headers.get("content-encoding") == "gzip"
    assert reqs[0].headers.get("content-type") == "application/x-protobuf"
    body = [d["body"] for d in otlp_pb.log_dicts(otlp_pb.decode_logs(reqs[0].body))]
    assert body == ["routed"]
    assert [r for r in traces.requests if r.path == "/v1/logs"] == []


def test_closed_stdout_then_a_data_file_on_its_number_is_not_a_log(receiver, tmp_path):
    rcv = receiver()
    data = tmp_path / "data"
    script = (f"import os; fd = os.open({str(data)!r}, os.O_WRONLY | os.O_CREAT)\n"
              "assert fd == 1, fd\nos.write(fd, b'data line\\n'); os.write(2, b'err line\\n')\n")
    e = env_for(rcv, {"LD_PRELOAD": str(LIB)})
    p = subprocess.run([PY, "-c", script], env=e, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                       timeout=30, pass_fds=(), preexec_fn=lambda: os.close(1))
    assert p.returncode == 0, p.stderr
    assert data.read_bytes() == b"data line\n"
    assert [r["body"] for r in wait_logs(rcv, 1)] == ["err line"]
    time.sleep(0.3)
    assert [r["body"] for r in logs(rcv)] == ["err line"]


def test_stdio_hooks_follow_the_programs_stdout_variable(receiver, tmp_path):
    """printf, puts and putchar reach the stream the program's `stdout` names when it calls
    them (the library looks that variable up on first use instead of referencing it)."""
    rcv = receiver()
    exe = cc(tmp_path, "stdio_demo")
    bare = run([exe], rcv, preload=False)
    p = run([exe], rcv)
    assert (p.returncode, p.stdout, p.stderr) == (bare.returncode, bare.stdout, bare.stderr)
    assert p.stdout == b"printf to out 1\nputs to out\nprintf to out 3\n"
    assert p.stderr == b"printf to err 2\nputs to err\ne\n"
    recs = wait_logs(rcv, 6)
    got = sorted((r["body"], r["attributes"].get("log.iostream")) for r in recs)
    assert got == sorted([("printf to out 1", "stdout"), ("puts to out", "stdout"),
                          ("printf to out 3", "stdout"), ("printf to err 2", "stderr"),
                          ("puts to err", "stderr"), ("e", "stderr")])

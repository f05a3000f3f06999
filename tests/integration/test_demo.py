"""`make demo` as a smoke test: scripts/demo.sh runs the IM example (examples/im) under the library
against a real redis-server, mariadbd and nats-server, and this checks what genesis-view decoded from the OTLP
protobuf the processes pushed (view.jsonl), the Prometheus scrapes (promtool, exemplars), and that
the demo stops every process it started — also when it is interrupted.

The processes run as in production: 1 % head sampling with local tail sampling of errors and slow
requests (docs/sampling.md). curl's head decision is "no" except for steps 3 and 7, traced on
purpose; the failed delivery (step 4) and the slow history read (step 6) are kept by tail sampling."""
import json
import os
import re
import signal
import subprocess
import time

import pytest

from conftest import BUILD, LIB, ROOT, clean_env, tool

DEMO = ROOT / "scripts" / "demo.sh"
IM_SERVICES = ("im-gateway", "im-logic", "im-comet")


def demo_env():
    env = clean_env({"GENESIS_LIB": str(LIB), "BUILD": os.path.relpath(BUILD, ROOT)})
    for k in ("OTEL_TRACES_EXPORTER", "OTEL_METRICS_EXPORTER", "OTEL_LOGS_EXPORTER"):
        env.pop(k)
    return env


def processes_in(path):
    """The processes the demo started in `path` (it lists their pids in path/pids) still alive."""
    out = []
    for pid in (path / "pids").read_text().split():
        try:
            with open(f"/proc/{pid}/stat") as f:
                state = f.read().rsplit(")", 1)[1].split()[0]
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if state != "Z":
            out.append((int(pid), cmd))
    return out


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    d = tmp_path_factory.mktemp("demo") / "run"
    t0 = time.monotonic()
    p = subprocess.run(["bash", str(DEMO), "--dir", str(d)], cwd=ROOT, env=demo_env(),
                       capture_output=True, text=True, timeout=240)
    elapsed = time.monotonic() - t0
    assert p.returncode == 0, f"demo failed ({p.returncode}):\n{p.stdout[-4000:]}\n{p.stderr[-4000:]}"
    spans, points, logs = [], [], []
    with open(d / "view.jsonl") as f:
        for line in f:
            obj = json.loads(line)
            {"span": spans, "metric": points, "log": logs}[obj["signal"]].append(obj)
    return {"dir": d, "stdout": p.stdout, "spans": spans, "points": points, "logs": logs, "elapsed": elapsed}


def svc(obj):
    return obj["resource"].get("service.name")


def step_trace(spans, step):
    roots = [s for s in spans if str(s["resource"].get("demo.step")) == str(step)
             and s["kind"] == "CLIENT" and "parent_span_id" not in s]
    assert len(roots) == 1, f"step {step}: curl's CLIENT root span: {roots}"
    return roots[0], [s for s in spans if s["trace_id"] == roots[0]["trace_id"]]


def only(spans, **kw):
    found = [s for s in spans if all((svc(s) if k == "service" else s.get(k)) == v for k, v in kw.items())]
    assert len(found) == 1, f"expected one span {kw}, got {[(svc(s), s['name']) for s in found]}"
    return found[0]


def children(spans, parent):
    return [s for s in spans if s.get("parent_span_id") == parent["span_id"]]


def db_system(span):
    return span["attributes"].get("db.system.name")


def test_one_send_is_one_trace_across_every_process(demo):
    root, trace = step_trace(demo["spans"], 3)
    assert svc(root) == "curl" and root["attributes"]["url.full"].endswith("/send")
    assert {"curl", "im-gateway", "im-logic", "im-comet", "im-device"} <= {svc(s) for s in trace}
    # the chain of HTTP hops: each SERVER span is the child of the previous process's CLIENT span
    gw = only(children(trace, root), service="im-gateway", kind="SERVER")
    assert gw["attributes"].get("client.address") == "127.0.0.1"   # accept4(fd, NULL, NULL)
    gw_out = only(children(trace, gw), service="im-gateway", kind="CLIENT")
    logic = only(children(trace, gw_out), service="im-logic", kind="SERVER")
    assert logic["attributes"]["http.request.method"] == "POST"
    under_logic = children(trace, logic)
    mysql = [s for s in under_logic if db_system(s) in ("mysql", "mariadb")]
    redis = [s for s in under_logic if db_system(s) == "redis"]
    assert any(s["kind"] == "CLIENT" and "INSERT" in s["name"] for s in mysql), [s["name"] for s in mysql]
    assert {"LPUSH", "LTRIM", "GET", "RPUSH"} <= {s["attributes"].get("db.operation.name") for s in redis}
    # logic → NATS → comet: the delivery request's PRODUCER span, the comet's CONSUMER span its child
    publish = only([s for s in under_logic if s["kind"] == "PRODUCER"], service="im-logic")
    assert publish["name"] == "publish im.deliver.comet-1", publish
    assert publish["attributes"]["genesis.nats.injected"] is True
    comet = only(children(trace, publish), service="im-comet", kind="CONSUMER")
    assert comet["name"] == "process im.deliver.comet-1"
    assert comet["attributes"]["messaging.system"] == "nats", comet
    assert comet["parent_remote"] is True
    comet_redis = [s for s in children(trace, comet) if db_system(s) == "redis"]
    assert {"HGET", "LPOP"} <= {s["attributes"].get("db.operation.name") for s in comet_redis}
    comet_out = only([s for s in children(trace, comet) if "url.full" in s["attributes"]], kind="CLIENT")
    device = only(children(trace, comet_out), service="im-device", kind="SERVER")
    assert device["attributes"]["http.response.status_code"] == 200
    # the answer goes back to im-logic's inbox, published while processing
    reply = only([s for s in children(trace, comet) if s["kind"] == "PRODUCER"], service="im-comet")
    assert reply["name"] == "publish (temporary)", reply
    assert all(s["status"]["code"] != "ERROR" for s in trace), [s["name"] for s in trace
                                                                if s["status"]["code"] == "ERROR"]


def tail_kept(span):
    return span["trace_flags"] == "00" and span["attributes"].get("genesis.sampling.tail") is not None


def test_failed_delivery_is_kept_by_tail_sampling_where_it_failed(demo):
    # curl saw a 200 (the message was stored offline): it kept its segment only if it was slow
    # (GENESIS_TAIL_SLOW_MS=10: a busy machine)
    step4 = [s for s in demo["spans"] if str(s["resource"].get("demo.step")) == "4"]
    assert all(tail_kept(s) and s["attributes"]["genesis.sampling.tail"] == "slow" for s in step4), step4
    # im-comet's push to carol's phone failed: im-comet kept its segment of that trace
    failed = [s for s in demo["spans"] if svc(s) == "im-comet" and s["status"]["code"] == "ERROR"]
    assert len({s["trace_id"] for s in failed}) == 1, failed
    trace = [s for s in demo["spans"] if s["trace_id"] == failed[0]["trace_id"]]
    comet = only(trace, service="im-comet", kind="CONSUMER")
    assert comet["parent_remote"] is True
    assert [s for s in children(trace, comet) if s["status"]["code"] == "ERROR"] == failed
    comet_spans = [s for s in trace if svc(s) == "im-comet"]
    assert all(tail_kept(s) and s["attributes"]["genesis.sampling.tail"] == "error" for s in comet_spans)
    # the hole (docs/sampling.md): the other processes answered 200; they kept their segments
    # only if they were slow
    others = [s for s in trace if svc(s) != "im-comet"]
    assert all(s["attributes"].get("genesis.sampling.tail") == "slow" for s in others), others
    if not step4:
        assert "kept by tail sampling in im-comet only" in demo["stdout"]


def test_cache_miss_runs_the_query_and_the_hit_does_not(demo):
    _, miss = step_trace(demo["spans"], 6)
    _, hit = step_trace(demo["spans"], 7)
    # the miss was not head-sampled: every process on its path kept it for its slowness
    assert {"curl", "im-gateway", "im-logic"} <= {svc(s) for s in miss if tail_kept(s)}
    assert all(s["attributes"].get("genesis.sampling.tail") == "slow" for s in miss), miss
    selects = [s for s in miss if db_system(s) in ("mysql", "mariadb") and "SELECT" in s["name"]]
    assert len(selects) == 1 and svc(selects[0]) == "im-logic"
    assert not [s for s in hit if db_system(s) in ("mysql", "mariadb")]
    assert [s for s in hit if db_system(s) == "redis" and s["attributes"].get("db.operation.name") == "LRANGE"]


def latest_points(points, name):
    last = {}
    for p in points:
        if p["name"] == name:
            key = (svc(p), json.dumps(p["attributes"], sort_keys=True))
            if key not in last or int(p["time_unix_nano"]) >= int(last[key]["time_unix_nano"]):
                last[key] = p
    return list(last.values())


def test_red_metrics_for_every_service(demo):
    server = latest_points(demo["points"], "http.server.request.duration")
    requests = {s: sum(int(p["count"]) for p in server if svc(p) == s) for s in IM_SERVICES}
    # gateway: 3 sends, 2 history reads, 1 bad request; comet: 2 connects (deliveries come by NATS)
    assert requests["im-gateway"] == 6 and requests["im-comet"] == 2, requests
    assert requests["im-logic"] == 5, requests      # the bad request never reaches logic
    status = {(svc(p), p["attributes"].get("http.response.status_code")) for p in server}
    assert ("im-gateway", 400) in status
    db = latest_points(demo["points"], "db.client.operation.duration")
    systems = {(svc(p), p["attributes"].get("db.system.name")) for p in db}
    assert {("im-logic", "redis"), ("im-comet", "redis")} <= systems
    assert ("im-logic", "mariadb") in systems or ("im-logic", "mysql") in systems
    client = latest_points(demo["points"], "http.client.request.duration")
    assert {"im-gateway", "im-comet"} <= {svc(p) for p in client}
    # the two delivery requests: sent by im-logic, consumed and processed by im-comet
    def total(name, service, **attrs):
        return sum(int(p.get("count", p.get("value", 0))) for p in latest_points(demo["points"], name)
                   if svc(p) == service and all(p["attributes"].get(k) == v for k, v in attrs.items()))
    dest = {"messaging.system": "nats", "messaging.destination.name": "im.deliver.comet-1"}
    assert total("messaging.client.sent.messages", "im-logic", **dest) == 2
    assert total("messaging.client.operation.duration", "im-logic", **dest) == 2
    assert total("messaging.client.consumed.messages", "im-comet", **dest) == 2
    assert total("messaging.process.duration", "im-comet", **dest) == 2


def test_tail_sampling_counts_what_it_kept_and_discarded(demo):
    seg = {(svc(p), p["attributes"]["outcome"]): int(p["value"])
           for p in latest_points(demo["points"], "genesis.sdk.tail.segments")}
    # im-gateway: segments of steps 4, 5, 6 and 8 (3 and 7 were head-sampled); 6 kept (slow),
    # the others discarded when fast (a 400 is no server error)
    # (a send slower than GENESIS_TAIL_SLOW_MS on a busy machine is kept too)
    assert seg.get(("im-gateway", "kept"), 0) >= 1 and ("im-gateway", "discarded") in seg, seg
    assert seg.get(("im-gateway", "kept"), 0) + seg.get(("im-gateway", "discarded"), 0) == 4, seg
    assert seg.get(("im-comet", "kept"), 0) >= 1, seg
    assert all(v == 0 for (s, o), v in seg.items() if o == "overflowed"), seg
    out = demo["stdout"]
    assert "tail sampling" in out and re.search(r"→ \d+ head-dropped segments discarded in all", out), out


def test_prometheus_scrapes_pass_promtool_and_carry_exemplars(demo):
    d = demo["dir"]
    for s in IM_SERVICES:
        text = (d / f"prom-{s}.txt").read_text()
        assert "http_server_request_duration_seconds_bucket{" in text
        p = subprocess.run([tool("promtool"), "check", "metrics"], input=text, capture_output=True,
                           text=True, timeout=30)
        assert p.returncode == 0, f"{s}: {p.stdout}{p.stderr}"
    om = (d / "prom-im-logic.om").read_text()
    assert om.rstrip().endswith("# EOF")
    traces = {s["trace_id"] for s in demo["spans"]}
    exemplars = re.findall(r'^http_server_request_duration_seconds_bucket\{.*# \{.*trace_id="([0-9a-f]{32})"',
                           om, re.M)
    assert exemplars and set(exemplars) <= traces


def test_report_and_cleanup(demo):
    out = demo["stdout"]
    for text in ("one send crossing every process", "RED per service", "promtool check metrics",
                 "the exemplar links this latency bucket", "where each piece came from"):
        assert text in out, text
    assert "FAILED" not in out
    assert processes_in(demo["dir"]) == []
    assert demo["elapsed"] < 120, demo["elapsed"]   # generous: the demo takes ~20 s here


def test_interrupted_demo_stops_everything(tmp_path):
    d = tmp_path / "run"
    p = subprocess.Popen(["bash", str(DEMO), "--dir", str(d)], cwd=ROOT, env=demo_env(),
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                         start_new_session=True)
    seen = ""
    deadline = time.monotonic() + 120
    while "sending with curl" not in seen and time.monotonic() < deadline:
        line = p.stdout.readline()
        if not line:
            break
        seen += line
    assert "sending with curl" in seen, seen
    assert len(processes_in(d)) == 8, "genesis-view, redis, nats, mariadbd, phone, comet, logic, gateway"
    os.killpg(p.pid, signal.SIGINT)    # Ctrl-C: the whole foreground process group
    rest, _ = p.communicate(timeout=60)
    assert p.returncode != 0
    time.sleep(0.5)
    assert processes_in(d) == [], seen + rest


def json_lines(path):
    """The JSON object lines of an IM program's stdout (device.py prints text lines there too)."""
    return [json.loads(ln) for ln in path.read_text().splitlines() if ln.startswith("{")]


def test_im_programs_write_one_json_log_line_per_message(demo):
    d = demo["dir"]
    gw, logic, comet = (json_lines(d / f"{s}.out") for s in IM_SERVICES)
    assert all(set(r) >= {"ts", "level", "msg"} and r["ts"].endswith("Z") for r in gw + logic + comet)
    # three sends reach logic (the bad request is refused by the gateway before any message)
    assert [(r["level"], r["msg"], r["to"]) for r in gw] == [("info", "message forwarded", t)
                                                            for t in ("bob", "carol", "dave")], gw
    stored = [r for r in logic if r["msg"] == "message stored"]
    assert [(r["to"], r["recipient"]) for r in stored] == [("bob", "online"), ("carol", "online"),
                                                           ("dave", "offline")], logic
    (failed,) = [r for r in logic if r["level"] == "error"]
    assert failed["to"] == "carol" and "device unreachable" in failed["error"], failed
    assert [(r["level"], r["to"], r["pushed"]) for r in comet] == [("info", "bob", 1), ("error", "carol", 0)]
    assert comet[1]["error"] == "device unreachable"


def failed_delivery_trace(spans):
    """The failed delivery's trace: the one of im-comet's failed push to carol's phone (an error
    span under its delivery, kept by any sampling that keeps errors)."""
    ids = {s["trace_id"] for s in spans if svc(s) == "im-comet" and s["status"]["code"] == "ERROR"}
    assert len(ids) == 1, ids
    return ids.pop()


def test_report_ends_with_the_log_lines_of_the_sends(demo):
    out, spans = demo["stdout"], demo["spans"]
    delivered, failed = step_trace(spans, 3)[0]["trace_id"], failed_delivery_trace(spans)
    for step, trace_id in ((3, delivered), (4, failed)):
        assert f"the log lines of trace {trace_id} ([{step}]" in out, out[-3000:]
    tail = out[out.index("the log lines of trace"):]
    if not demo["logs"]:
        # the library exported no log records: the report says so instead of showing nothing
        assert tail.count("no log records received (GENESIS_LOGS off or library without log capture)") == 2
        return
    # log records arrived. The delivered send: the JSON line of each IM program, each linked to
    # the span its program was serving (all kept: this send is traced)
    ids = {s["span_id"]: s for s in spans if s["trace_id"] == delivered}
    mine = [r for r in demo["logs"] if r["trace_id"] == delivered]
    assert {svc(r) for r in mine if r["body"].startswith("{")} >= set(IM_SERVICES), mine
    assert all(r["span_id"] in ids and svc(ids[r["span_id"]]) == svc(r) for r in mine), mine
    # the failed delivery: im-logic's and im-comet's error lines; im-comet's on its delivery span
    mine = {json.loads(r["body"])["msg"]: r for r in demo["logs"]
            if r["trace_id"] == failed and '"level":"error"' in r["body"]}
    assert set(mine) >= {"delivery failed, offline copy kept", "push to device failed"}, mine
    trace = [s for s in spans if s["trace_id"] == failed]
    comet = only(trace, service="im-comet", kind="CONSUMER")
    assert mine["push to device failed"]["span_id"] == comet["span_id"]
    logic = [s for s in trace if svc(s) == "im-logic" and s["kind"] == "SERVER"]   # if sampled
    assert all(mine["delivery failed, offline copy kept"]["span_id"] == s["span_id"] for s in logic)
    assert "delivery failed, offline copy kept" in tail and "push to device failed" in tail


def test_report_log_lines_of_a_trace(capsys):
    """The report's last section on data as genesis-view stores it (view.jsonl), with log records:
    what the demo prints once the library exports them."""
    import importlib.util
    spec = importlib.util.spec_from_file_location("demo_report", ROOT / "scripts" / "lib" / "demo_report.py")
    report = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(report)
    trace, other = "0af7651916cd43dd8448eb211c80319c", "4bf92f3577b34da6a3ce929d0e0e4736"
    spans = [{"trace_id": trace, "span_id": "00f067aa0ba902b7", "name": "POST /send", "kind": "SERVER",
              "resource": {"service.name": "im-logic"}}]

    def log(t_ms, body, svc="im-logic", tid=trace, sid="00f067aa0ba902b7", sev="INFO"):
        return {"signal": "log", "resource": {"service.name": svc}, "time_unix_nano": 1_700_000_000_000_000_000
                + t_ms * 1_000_000, "severity_text": sev, "severity_number": 9, "body": body,
                "trace_id": tid, "span_id": sid}
    logs = [log(5, '{"level":"error","msg":"delivery failed, offline copy kept"}\n', sev="ERROR"),
            log(1, '{"level":"info","msg":"message stored"}'),
            log(3, "pushed", svc="im-comet", sid="1111111111111111"),
            log(2, "someone else's", tid=other),
            log(4, {"kv": 1}, svc="im-device", sid="")]
    report.trace_logs(logs, spans, {3: trace, 4: other, 5: "f" * 32}, {3: "delivered", 4: "fails"}, 200)
    out = capsys.readouterr().out.splitlines()
    assert out == [
        f"the log lines of trace {trace} ([3] delivered):",
        '  22:13:20.001 im-logic   INFO  {"level":"info","msg":"message stored"}  (POST /send SERVER)',
        "  22:13:20.003 im-comet   INFO  pushed  (span 1111111111111111)",
        '  22:13:20.004 im-device  INFO  {"kv": 1}  (no span)',
        '  22:13:20.005 im-logic   ERROR {"level":"error","msg":"delivery failed, offline copy kept"}  (POST /send SERVER)',
        "",
        f"the log lines of trace {other} ([4] fails):",
        "  22:13:20.002 im-logic   INFO  someone else's  (span 00f067aa0ba902b7)",
        ""], out
    report.trace_logs([], spans, {3: trace}, {3: "delivered"}, 200)
    assert capsys.readouterr().out.splitlines()[1] == "  " + report.NO_LOGS

"""genesis-view and log records: real ExportLogsServiceRequest protobuf POSTed to /v1/logs
(plain and gzip) next to the spans of the same trace; the records that carry a trace id are
printed under that trace's waterfall (time, severity, service, body, the span they were written
under), the others as they arrive; memory stays bounded; the JSONL file lists every record."""
import re
import time

import otlp_pb
from test_view import (CHILD, ROOT, T0, TRACE_A, TRACE_B, check_ok, resource, start_view,  # noqa: F401
                       trace_request)

UNKNOWN_SPAN = bytes.fromhex("1111111111111111")
UNTRACED = bytes.fromhex("9999999999999999")


def log_request(records, service="log-svc"):
    req = otlp_pb.ExportLogsServiceRequest()
    rl = req.resource_logs.add(resource=resource(service))
    sl = rl.scope_logs.add()
    sl.scope.name = "genesis-auto"
    for r in records:
        sl.log_records.add(**r)
    return req


def rec(ms, body, **kw):
    """A record written `ms` after T0 (the root span's start), body a string or any value."""
    return dict(time_unix_nano=T0 + int(ms * 1_000_000), observed_time_unix_nano=T0 + int(ms * 1_000_000) + 7,
                body=otlp_pb.make_any(body), **kw)


def block(text, trace):
    """The printed block of one trace: its header line up to the blank line that ends it."""
    lines = text.splitlines()
    start = [i for i, ln in enumerate(lines) if ln.startswith("trace " + trace.hex())]
    assert len(start) == 1, f"trace {trace.hex()} printed {len(start)} times:\n{text}"
    out = []
    for ln in lines[start[0]:]:
        if not ln.strip():
            break
        out.append(ln)
    return out


def wait_block(v, trace, timeout=5):
    """The block of `trace` once printed whole (its closing blank line written), and stdout."""
    head = "trace " + trace.hex()
    deadline = time.time() + timeout
    while True:
        text = v.text()
        at = text.find(head)
        if at >= 0 and "\n\n" in text[at:]:
            return block(text, trace), text
        assert time.time() < deadline, f"{head} not printed whole:\n{text}"
        time.sleep(0.02)


def log_lines(blk):
    return [ln for ln in blk if ln.startswith("  log ")]


def test_log_lines_under_their_trace_waterfall(start_view):
    v = start_view("--settle-ms", "300")
    # records arrive in another order than they were written, and before their spans
    logs = log_request([
        rec(12.5, '{"level":"error","msg":"cache down"}', trace_id=TRACE_A, span_id=CHILD,
            severity_number=17, attributes=[otlp_pb.kv("log.iostream", "stderr")]),
        rec(1, "user 7 loaded", trace_id=TRACE_A, span_id=ROOT, severity_number=9, severity_text="INFO",
            flags=1),
        rec(30, "late, from a span we never got\x1b[0m", trace_id=TRACE_A, span_id=UNKNOWN_SPAN,
            severity_number=13),
        rec(-0.5, {"event": "accepted", "n": 3}, trace_id=TRACE_A),       # no span id, kvlist body
        rec(5, "other trace, no spans", trace_id=TRACE_B, span_id=ROOT, severity_text="Warning"),
        rec(2, "no trace: printed at once", severity_number=5),
        rec(3, "zero trace id: printed at once", trace_id=bytes(16), span_id=UNTRACED),
    ])
    check_ok(*v.post("/v1/logs", logs.SerializeToString(), compress=True), otlp_pb.ExportLogsServiceResponse)
    # the records without a trace id are printed as they arrive, before anything settled
    text = v.wait_text("log [log-svc] sev=5 \"no trace: printed at once\"")
    assert "log [log-svc] sev=0 \"zero trace id: printed at once\"" in text
    assert "user 7 loaded" not in text
    check_ok(*v.post("/v1/traces", trace_request().SerializeToString()), otlp_pb.ExportTraceServiceResponse)
    a, _ = wait_block(v, TRACE_A)
    assert re.fullmatch(r"trace 0af7651916cd43dd8448eb211c80319c  4 spans  20\.000 ms  1 error  4 log lines", a[0]), a[0]
    spans = [ln for ln in a[1:] if ln.startswith("[")]
    assert len(spans) == 4, a
    got = log_lines(a)
    assert a[-len(got):] == got, "the log lines come after every span"
    # time order; time of day (UTC), offset from the trace's start, severity, service, body, span
    assert got == [
        '  log 22:13:20.122956 -0.500 ms -     [log-svc] {"event":"accepted","n":3}',
        "  log 22:13:20.124456 +1.000 ms INFO  [log-svc] user 7 loaded  <- GET /users (span b7ad6b7169203331)",
        '  log 22:13:20.135956 +12.500 ms ERROR [log-svc] {"level":"error","msg":"cache down"}'
        "  <- SELECT shop.users (span 00f067aa0ba902b7)",
        "  log 22:13:20.153456 +30.000 ms WARN  [log-svc] late, from a span we never got?[0m"
        "  <- span 1111111111111111, not received",
    ], got
    b, _ = wait_block(v, TRACE_B)
    assert b == [f"trace {TRACE_B.hex()}  no spans received  1 log line",
                 "  log 22:13:20.128456 Warning [log-svc] other trace, no spans  <- span b7ad6b7169203331, not received"], b
    # the JSONL file lists every record, whatever its trace
    recs = v.records(9)
    assert [r for r in recs if r["signal"] == "log"] == otlp_pb.log_dicts(logs)
    assert v.counts()["log_records"] == 7 and v.counts()["log_requests"] == 1


def test_logs_of_a_trace_are_bounded(start_view):
    v = start_view("--settle-ms", "200")
    logs = log_request([rec(i / 1000, f"line {i}", trace_id=TRACE_B, span_id=ROOT) for i in range(1200)])
    check_ok(*v.post("/v1/logs", logs.SerializeToString()), otlp_pb.ExportLogsServiceResponse)
    b, _ = wait_block(v, TRACE_B)
    assert b[0] == f"trace {TRACE_B.hex()}  no spans received  1200 log lines", b[0]
    got = log_lines(b)
    assert len(got) == 1000 and got[0].endswith("] line 0  <- span b7ad6b7169203331, not received")
    assert got[-1].split("] ", 1)[1].startswith("line 999 ")
    assert b[-1] == "  (+200 log lines not shown)"
    assert len([r for r in v.records(1200) if r["signal"] == "log"]) == 1200   # JSONL: all of them
    assert v.counts()["log_records"] == 1200


def test_pending_log_lines_printed_at_exit(start_view):
    v = start_view("--settle-ms", "600000")
    check_ok(*v.post("/v1/logs", log_request([rec(1, "held until exit", trace_id=TRACE_A, span_id=ROOT)],
                                            service="exit-svc").SerializeToString()),
             otlp_pb.ExportLogsServiceResponse)
    check_ok(*v.post("/v1/traces", trace_request().SerializeToString()), otlp_pb.ExportTraceServiceResponse)
    v.records(5)
    assert "held until exit" not in v.text()
    assert v.stop() == 0
    a = block(v.text(), TRACE_A)
    assert log_lines(a) == ["  log 22:13:20.124456 +1.000 ms -     [exit-svc] held until exit"
                            "  <- GET /users (span b7ad6b7169203331)"], a


def test_quiet_keeps_no_logs_but_lists_them(start_view):
    v = start_view("--quiet", "--settle-ms", "100")
    logs = log_request([rec(1, "quiet", trace_id=TRACE_A, span_id=ROOT), rec(2, "untraced")])
    check_ok(*v.post("/v1/logs", logs.SerializeToString()), otlp_pb.ExportLogsServiceResponse)
    assert [r["body"] for r in v.records(2)] == ["quiet", "untraced"]
    assert v.stop() == 0
    assert v.text() == ""

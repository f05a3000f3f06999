#!/usr/bin/python3
"""demo_report.py DIR — the report printed at the end of scripts/demo.sh.

Reads what the demo left in DIR: view.jsonl (every span and metric point genesis-view decoded
from the OTLP/HTTP requests the processes pushed), view.out (genesis-view's waterfalls),
steps.tsv (step number, label), ports.tsv (process, port), prom-<service>.txt / prom-im-logic.om (Prometheus scrapes) and
promtool.txt (service, verdict). Prints the waterfalls of the interesting traces, a RED summary
per service, the database and HTTP dependencies per service, a Prometheus excerpt with an
exemplar, what tail sampling kept and discarded (the processes run at 1 % head sampling with
local tail sampling, docs/sampling.md), where each piece came from, and last the log lines of
the delivered and the failed send (the log records view.jsonl holds with their trace id). Exits 1 when the delivered send's trace does not cross
every process (the demo then did not show what it promises)."""
import json
import os
import re
import shutil
import sys
import time

SERVICES = ("im-gateway", "im-logic", "im-comet", "im-device")
# steps of scripts/demo.sh whose trace is shown, and what each shows
SHOWN = ((3, "one send crossing every process"),
         (4, "a send whose delivery failed: where did the message go?"),
         (6, "a history read that missed the Redis cache and ran the slow query"))
MAIN_STEP = 3
# steps whose trace's log lines end the report
LOGGED = (3, 4)
NO_LOGS = "no log records received (GENESIS_LOGS off or library without log capture)"
# A step whose curl root was not kept (curl saw a success): the trace shown instead is the one in
# which this service kept a span in error (local tail sampling keeps it only there).
FALLBACK = {4: "im-comet"}


def load(path):
    """Spans and metric points of view.jsonl, as two lists of dicts."""
    spans, points = [], []
    with open(path, errors="replace") as f:
        for line in f:
            try:
                obj = json.loads(line)
            except ValueError:
                continue
            if obj.get("signal") == "span":
                spans.append(obj)
            elif obj.get("signal") == "metric":
                points.append(obj)
    return spans, points


def load_logs(path):
    """The log records of view.jsonl, in the order they arrived."""
    out = []
    with open(path, errors="replace") as f:
        for line in f:
            try:
                obj = json.loads(line)
            except ValueError:
                continue
            if obj.get("signal") == "log":
                out.append(obj)
    return out


def service(obj):
    return str((obj.get("resource") or {}).get("service.name", "?"))


def step_traces(spans):
    """{step number: trace id} from curl's root CLIENT span tagged demo.step=N."""
    out = {}
    for s in spans:
        step = (s.get("resource") or {}).get("demo.step")
        if step is not None and s.get("kind") == "CLIENT" and not s.get("parent_span_id"):
            out.setdefault(int(step), s["trace_id"])
    return out


def tail_error_trace(spans, svc):
    """The trace in which `svc` kept, by tail sampling, a span in error (None if none)."""
    for s in spans:
        if (service(s) == svc and s.get("status", {}).get("code") == "ERROR"
                and (s.get("attributes") or {}).get("genesis.sampling.tail") == "error"):
            return s["trace_id"]
    return None


def kept_by(spans, trace_id):
    """'svc (why), ...' for the services whose spans of the trace tail sampling kept, or ''."""
    why = {}
    for s in spans:
        tag = (s.get("attributes") or {}).get("genesis.sampling.tail")
        if s["trace_id"] == trace_id and tag:
            why.setdefault(service(s), set()).add(tag)
    return ", ".join("%s (%s)" % (svc, "/".join(sorted(t))) for svc, t in why.items())


def waterfall(view_out, trace_id, width):
    """genesis-view's printed block for one trace (its lines cut to the terminal width), without
    the log lines under it: the report ends with those (trace_logs)."""
    lines, inside = [], False
    for line in view_out:
        if line.startswith("trace " + trace_id):
            inside = True
        elif inside and not line.strip():
            break
        if inside and not line.startswith(("  log ", "  (+")):
            lines.append(line if len(line) <= width else line[:width - 1] + "…")
    return lines


def crossing(spans, trace_id):
    """Services of one trace in the order they first appear."""
    first = {}
    for s in spans:
        if s["trace_id"] == trace_id:
            t = int(s["start_time_unix_nano"])
            svc = service(s)
            first[svc] = min(t, first.get(svc, t))
    return sorted(first, key=first.get)


def latest(points, name):
    """Last cumulative point per (service, attribute set) of metric `name`."""
    out = {}
    for p in points:
        if p.get("name") != name:
            continue
        key = (service(p), json.dumps(p.get("attributes") or {}, sort_keys=True))
        if key not in out or int(p["time_unix_nano"]) >= int(out[key]["time_unix_nano"]):
            out[key] = p
    return list(out.values())


def quantile(bounds, counts, q):
    """Upper bound of the bucket holding quantile q (None past the last bound)."""
    total = sum(counts)
    if total == 0:
        return None
    need, seen = q * total, 0
    for i, c in enumerate(counts):
        seen += c
        if seen >= need:
            return bounds[i] if i < len(bounds) else None
    return None


def ms(seconds):
    if seconds is None:
        return "> max"
    return "%.1f ms" % (seconds * 1e3) if seconds >= 0.001 else "%d µs" % round(seconds * 1e6)


def merge(pts):
    """count, error count, sum, max, bucket counts, bounds, window seconds of histogram points."""
    count = errors = 0
    total = peak = 0.0
    buckets, bounds, window = [], [], 0.0
    for p in pts:
        attrs = p.get("attributes") or {}
        count += int(p["count"])
        if "error.type" in attrs:
            errors += int(p["count"])
        total += float(p.get("sum", 0.0))
        peak = max(peak, float(p.get("max", 0.0)))
        bounds = p.get("explicit_bounds") or bounds
        bc = [int(c) for c in p.get("bucket_counts") or []]
        buckets = [a + b for a, b in zip(buckets, bc)] if buckets else bc
        window = max(window, (int(p["time_unix_nano"]) - int(p["start_time_unix_nano"])) / 1e9)
    return count, errors, total, peak, buckets, bounds, window


def table(head, rows):
    widths = [max(len(str(r[i])) for r in rows + [head]) for i in range(len(head))]
    print("  " + "  ".join(str(h).ljust(w) for h, w in zip(head, widths)).rstrip())
    for r in rows:
        print("  " + "  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip())


def red_summary(points):
    print("RED per service — http.server.request.duration, pushed over OTLP every second:")
    rows = []
    for svc in SERVICES:
        pts = [p for p in latest(points, "http.server.request.duration") if service(p) == svc]
        if not pts:
            rows.append((svc, "no data", "", "", "", "", ""))
            continue
        count, errors, total, peak, buckets, bounds, window = merge(pts)
        rows.append((svc, count, "%.2f/s" % (count / window if window > 0 else 0), errors,
                     "≤ " + ms(quantile(bounds, buckets, 0.5)), "≤ " + ms(quantile(bounds, buckets, 0.95)),
                     ms(total / count if count else 0)))
    table(("SERVICE", "REQUESTS", "RATE", "ERRORS", "P50", "P95", "MEAN"), rows)
    print()


def dependencies(points, ports):
    """What each service waits on: its outgoing HTTP calls and database operations; `ports` maps
    a listening port to the name of the process behind it."""
    rows = []
    for name, label in (("db.client.operation.duration", "db"), ("http.client.request.duration", "http"),
                        ("messaging.client.operation.duration", "mq"), ("messaging.process.duration", "mq")):
        groups = {}
        for p in latest(points, name):
            a = p.get("attributes") or {}
            if label == "db":
                # Redis series carry the command; MySQL ones the query summary ("SELECT messages")
                what = "%s %s" % (a.get("db.system.name", "?"),
                                  a.get("db.operation.name") or a.get("db.query.summary", "?"))
            elif label == "mq":
                # publish: the time to send; process: the time the consumer spent on the message
                what = "%s %s %s" % (a.get("messaging.system", "?"), a.get("messaging.operation.name", "?"),
                                     a.get("messaging.destination.name", "(temporary)"))
            else:
                port = str(a.get("server.port", "?"))
                what = "HTTP %s %s:%s%s" % (a.get("http.request.method", "?"), a.get("server.address", "?"),
                                            port, " (%s)" % ports[port] if port in ports else "")
            groups.setdefault((service(p), what), []).append(p)
        for (svc, what), pts in groups.items():
            if svc not in SERVICES:
                continue
            count, errors, total, peak, _, _, _ = merge(pts)
            rows.append((svc, what, count, errors, ms(total / count if count else 0), ms(peak)))
    for p in latest(points, "genesis.network.connect.duration"):   # failed connects only
        a = p.get("attributes") or {}
        port = str(a.get("network.peer.port", "?"))
        if "error.type" in a and service(p) in SERVICES:
            rows.append((service(p), "connect %s:%s%s %s" % (a.get("network.peer.address", "?"), port,
                                                           " (%s)" % ports[port] if port in ports else "",
                                                           a["error.type"]),
                         p["count"], p["count"], "", ""))
    rows.sort(key=lambda r: (SERVICES.index(r[0]), r[1]))
    print("what each service waits on — db.client.operation.duration, http.client.request.duration,")
    print("messaging.client.operation.duration and messaging.process.duration (NATS), and the connects")
    print("that failed (genesis.network.connect.duration):")
    table(("SERVICE", "OPERATION", "COUNT", "ERRORS", "MEAN", "MAX"), rows)
    print()


def prometheus_excerpt(d, shown_traces):
    om = os.path.join(d, "prom-im-logic.om")
    with open(om, errors="replace") as f:
        lines = f.read().splitlines()
    family = "http_server_request_duration_seconds"
    picked = [l for l in lines if l.startswith("# TYPE " + family) or l.startswith("# UNIT " + family)]
    exemplar = None
    for l in lines:
        if l.startswith(family + "_bucket") and " # {" in l:
            m = re.search(r'trace_id="([0-9a-f]{32})"', l)
            if m and (exemplar is None or m.group(1) in shown_traces.values()):
                exemplar = (l, m.group(1))
    if exemplar:
        # the exemplar's bucket, then that series' count and sum
        series = exemplar[0].split("{", 1)[1].split("le=")[0].rstrip(",")
        picked.append(exemplar[0])
        picked += [l for l in lines if l.startswith((family + "_count{", family + "_sum{")) and series in l]
    print("im-logic's Prometheus endpoint (OpenMetrics), an excerpt:")
    for l in picked:
        print("  " + l)
    if exemplar:
        where = [str(s) for s, t in shown_traces.items() if t == exemplar[1]]
        print("  → the exemplar links this latency bucket to trace %s%s" % (
            exemplar[1], " (step %s above)" % where[0] if where else ""))
    else:
        print("  (no exemplar in this scrape)")
    with open(os.path.join(d, "promtool.txt")) as f:
        verdicts = [l.rstrip("\n").split("\t", 1) for l in f if l.strip()]
    print("promtool check metrics: " + ", ".join("%s %s" % (s, v) for s, v in verdicts))
    print()


def tail_summary(points):
    """Local tail sampling's self-metrics (genesis.sdk.tail.segments), per service."""
    rows, total = [], {}
    for svc in SERVICES:
        got = {(p.get("attributes") or {}).get("outcome"): int(p.get("value", 0))
               for p in latest(points, "genesis.sdk.tail.segments") if service(p) == svc}
        if got:
            rows.append((svc, got.get("kept", 0), got.get("discarded", 0), got.get("overflowed", 0)))
            for k, v in got.items():
                total[k] = total.get(k, 0) + v
    print("tail sampling — every process samples 1 % of traces at the head; of the rest it kept its")
    print("part of those that failed or were slow (genesis.sdk.tail.segments, one segment per request")
    print("or background call a process handled):")
    if not rows:
        print("  (no data)\n")
        return
    table(("SERVICE", "KEPT", "DISCARDED", "OVERFLOWED"), rows)
    gw = [r for r in rows if r[0] == "im-gateway"]
    print("  → %d head-dropped segments discarded in all, %d kept; im-gateway, the entry service, discarded"
          " the traces of %d requests" % (total.get("discarded", 0), total.get("kept", 0), gw[0][2] if gw else 0))
    print()


def sources():
    print("""where each piece came from:
  - waterfalls: genesis-view, the embedded OTLP/HTTP receiver, printing the spans that every
    process's exporter thread pushed to /v1/traces (W3C traceparent was spliced into each HTTP
    request and each NATS message's headers by the library, so the processes' spans share one
    trace id);
  - RED and dependency tables: the cumulative histograms the processes pushed to /v1/metrics,
    computed from every operation (sampled or not);
  - Prometheus excerpt: GET /metrics on im-logic's own endpoint (OTEL_METRICS_EXPORTER=otlp,prometheus);
  - log lines: the JSON lines the IM programs write on stdout, captured by the library and pushed
    to /v1/logs with the trace and span id of the request being served;
  - none of it is in the IM code: examples/im has no tracing code at all.""")


def trace_logs(logs, spans, traces, labels, width):
    """The log lines of each LOGGED step's trace: time, service, severity, the span that wrote
    it, the line as the program wrote it."""
    names = {(s["trace_id"], s["span_id"]): "%s %s" % (s["name"], s.get("kind", "")) for s in spans}
    for n in LOGGED:
        trace = traces.get(n)
        if trace is None:
            continue
        print("the log lines of trace %s ([%d] %s):" % (trace, n, labels.get(n, "?")))
        mine = sorted((r for r in logs if r.get("trace_id") == trace),
                      key=lambda r: int(r.get("time_unix_nano") or r.get("observed_time_unix_nano") or 0))
        if not logs:
            print("  " + NO_LOGS)
        elif not mine:
            print("  none of the %d log records received carries this trace id" % len(logs))
        for r in mine:
            t = int(r.get("time_unix_nano") or r.get("observed_time_unix_nano") or 0)
            when = time.strftime("%H:%M:%S", time.gmtime(t // 10**9)) + ".%03d" % (t // 10**6 % 1000)
            sev = r.get("severity_text") or ("sev=%s" % r["severity_number"] if r.get("severity_number") else "-")
            body = r.get("body")
            body = body if isinstance(body, str) else json.dumps(body)
            sid = r.get("span_id")
            span = names.get((trace, sid), "span %s" % sid) if sid else "no span"
            line = "  %s %-10s %-5s %s  (%s)" % (when, service(r), sev, body.rstrip("\n"), span)
            print(line if len(line) <= width else line[:width - 1] + "…")
        print()


def main():
    d = sys.argv[1]
    spans, points = load(os.path.join(d, "view.jsonl"))
    with open(os.path.join(d, "view.out"), errors="replace") as f:
        view_out = f.read().splitlines()
    labels = {}
    with open(os.path.join(d, "steps.tsv")) as f:
        for line in f:
            n, text = line.rstrip("\n").split("\t", 1)
            labels[int(n)] = text
    width = max(100, shutil.get_terminal_size((160, 40)).columns)
    traces = step_traces(spans)
    shown = {}
    for n, what in SHOWN:
        note = None
        if n not in traces and n in FALLBACK:
            tid = tail_error_trace(spans, FALLBACK[n])
            if tid is not None:
                traces[n] = tid
                note = ("kept by tail sampling in %s only: the other processes answered 200 and kept "
                        "nothing (docs/sampling.md, the holes)" % FALLBACK[n])
        if n not in traces:
            print("step %d (%s): no trace received" % (n, labels.get(n, "?")))
            continue
        shown[n] = traces[n]
        print("[%d] %s — %s" % (n, labels.get(n, "?"), what))
        if note:
            print("    " + note)
        elif kept_by(spans, traces[n]):
            print("    head sampling dropped it; tail sampling kept it in " + kept_by(spans, traces[n]))
        print("    crosses: " + " → ".join(crossing(spans, traces[n])))
        for line in waterfall(view_out, traces[n], width):
            print("    " + line)
        for s in spans:                 # the call-site stacks of its slow or failed client spans
            st = s["trace_id"] == traces[n] and (s.get("attributes") or {}).get("code.stacktrace")
            if st:
                print("    stack that issued %s (%s):" % (s.get("name"), service(s)))
                for line in str(st).splitlines()[:8]:
                    print("      " + line)
        print()
    red_summary(points)
    ports = {}
    with open(os.path.join(d, "ports.tsv")) as f:
        for line in f:
            name, port = line.split()
            ports[port] = name
    dependencies(points, ports)
    prometheus_excerpt(d, shown)
    tail_summary(points)
    sources()
    print()
    trace_logs(load_logs(os.path.join(d, "view.jsonl")), spans, traces, labels, width)
    main_trace = traces.get(MAIN_STEP)
    missing = set(("curl",) + SERVICES) - set(crossing(spans, main_trace) if main_trace else ())
    if missing:
        print("\nFAILED: the delivered send's trace lacks " + ", ".join(sorted(missing)))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

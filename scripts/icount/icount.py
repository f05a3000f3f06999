#!/usr/bin/python3
"""icount.py — what the library costs, counted in instructions (valgrind callgrind), row by row,
next to the goals of docs/benchmarks.md; plus, in the full set, measured wall-clock ratios and
the RSS of an nginx worker. Also the CI guard: compare with a checked-in baseline.

    icount.py [--build DIR] [--set full|ci] [--no-wall] [--rounds N] [--only ID,...]
              [--json FILE] [--check BASELINE | --write-baseline BASELINE]

--set ci    the deterministic rows only (application-thread costs, exporter cost per span,
            start-up); --set full adds the MySQLdb cursor row, gzip, the wall ratios and RSS.
--check     exit 1 when a row's added figure is more than the baseline's tolerance (15%) above
            the baseline, or could not be measured. Without --check: exit 1 when a row failed
            to measure (a missed goal never fails).
The library is a black box: LD_PRELOAD of BUILD/libgenesis_auto.so into real programs, code
attributed by object file. Method: docs/benchmarks.md, "Instruction counts".
"""
import argparse
import datetime
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rows as R  # noqa: E402
import table  # noqa: E402
import wall  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOLERANCE = 0.15
SLACK = 2          # absolute allowance (instructions, faults) on top of the tolerance

# id, label, set, scenario, (N1, N2), goal on the added figure, settings: "otlp" = spans exported
# (OTLP to genesis-view, 100% sampling), "noprop" = the same without traceparent injection,
# "none" = every exporter none (the library may then skip the work altogether), "ratio" = OTLP at
# 1 % head sampling (parentbased_traceidratio 0.01: nearly every span takes the sampled-out path),
# "tail" = the same with local tail sampling on (GENESIS_TAIL_SAMPLING=errors,slow),
# "floor_<level>" = not the library: tests/bench/floor/floor.c (libfloor.so, FLOOR_LEVEL=<level>),
# what any LD_PRELOAD agent pays (docs/benchmarks.md, "The floor of an LD_PRELOAD agent")
APP_ROWS = [
    ("redis_get", "redis-benchmark -c 1 -t get, client thread", "ci", "redis", (2000, 6000), 400, "otlp"),
    ("redis_get_none", "  same, exporters none", "ci", "redis", (2000, 6000), None, "none"),
    ("redis_get_ratio", "  same, 1 % head sampling (sampled-out path)", "full", "redis", (2000, 6000), None, "ratio"),
    ("redis_get_tail", "  same, 1 % + tail sampling errors,slow", "full", "redis", (2000, 6000), None, "tail"),
    ("floor_redis_pass", "  floor pass: interposed, real call only", "full", "redis", (2000, 6000), None, "floor_pass"),
    ("floor_redis_stamp", "  floor stamp: + 2 timestamps, 64 B to a ring", "full", "redis", (2000, 6000), None,
     "floor_stamp"),
    ("floor_redis_stamp_thread", "  floor stamp_thread: + a sleeping 2nd thread", "full", "redis", (2000, 6000), None,
     "floor_stamp_thread"),
    ("nginx_get", "nginx keep-alive static GET, worker", "ci", "nginx", (1000, 3000), 800, "otlp"),
    ("nginx_get_ratio", "  same, 1 % head sampling (sampled-out path)", "full", "nginx", (1000, 3000), None, "ratio"),
    ("nginx_get_tail", "  same, 1 % + tail sampling errors,slow", "full", "nginx", (1000, 3000), None, "tail"),
    ("floor_nginx_pass", "  floor pass: interposed, real call only", "full", "nginx", (1000, 3000), None, "floor_pass"),
    ("floor_nginx_stamp", "  floor stamp: + 2 timestamps, 64 B to a ring", "full", "nginx", (1000, 3000), None,
     "floor_stamp"),
    ("floor_nginx_stamp_thread", "  floor stamp_thread: + a sleeping 2nd thread", "full", "nginx", (1000, 3000), None,
     "floor_stamp_thread"),
    ("http_client_inject", "C keep-alive HTTP client, injection on", "ci", "http", (2000, 6000), 1000, "otlp"),
    ("http_client_noinject", "C keep-alive HTTP client, injection off", "ci", "http", (2000, 6000), None, "noprop"),
    ("floor_http_stamp_thread", "  floor stamp_thread: + a sleeping 2nd thread", "full", "http", (2000, 6000), None,
     "floor_stamp_thread"),
    ("mysqldb_select", "MySQLdb point select, client thread", "full", "mysql", (1000, 3000), 500, "otlp"),
    ("mysqldb_polled", "  same, send_query + poll + read (one path)", "ci", "mysql_polled", (1000, 3000), 500, "otlp"),
    ("floor_mysql_stamp_thread", "  floor stamp_thread: + a sleeping 2nd thread", "full", "mysql_polled", (1000, 3000),
     None, "floor_stamp_thread"),
    ("write_devnull", "write() 1 B to /dev/null, per call", "ci", "write", (10000, 30000), 19, "otlp"),
    ("write_devnull_none", "  same, exporters none", "ci", "write", (10000, 30000), 19, "none"),
    ("logline_on", "write() 100 B line to stdout, logs on", "ci", "logline", (10000, 30000), 300, "logs"),
    ("logline_off", "  same, GENESIS_LOGS=0", "ci", "logline", (10000, 30000), 19, "logs_off"),
    ("sendrecv_pair", "send+recv 64 B socketpair, per pair", "ci", "sendrecv", (10000, 30000), 44, "otlp"),
    ("sendrecv_pair_none", "  same, exporters none", "ci", "sendrecv", (10000, 30000), 44, "none"),
    ("nats_publish", "NATS raw publish, traceparent injected", "ci", "nats_pub", (2000, 6000), 600, "otlp"),
    ("floor_nats_stamp_thread", "  floor stamp_thread: + a sleeping 2nd thread", "full", "nats_pub", (2000, 6000),
     None, "floor_stamp_thread"),
    ("kafka_produce", "Kafka rd_kafka_producev, traceparent added", "ci", "kafka_produce", (200, 1200), 800,
     "otlp"),
    ("kafka_produce_bag", "  same + baggage (tracecontext,baggage; BAGGAGE set)", "full", "kafka_produce",
     (200, 1200), None, "bag"),
    ("kafka_consume", "Kafka rd_kafka_consume, message with a traceparent", "ci", "kafka_consume",
     (200, 1200), 400, "otlp"),
    ("kafka_consume_bag", "  same, baggage configured (none in the message)", "full", "kafka_consume",
     (200, 1200), None, "bag"),
]


def app_env(ctx, kind):
    """Settings of an application-thread row: spans exported for real (the thread pays what a
    traced operation costs), or every exporter none."""
    if kind == "none":
        return R.NONE_ENV
    if kind.startswith("floor_"):
        if not os.path.exists(ctx.floor):
            raise RuntimeError("%s is missing (make build-all)" % ctx.floor)
        return {"LD_PRELOAD": ctx.floor, "FLOOR_LEVEL": kind[len("floor_"):]}
    env = R.otlp_env(ctx.peer("view").endpoint(), False)
    if kind in ("logs", "logs_off"):
        env.update(R.logs_env(ctx.peer("view").endpoint()))
        if kind == "logs_off":
            env["GENESIS_LOGS"] = "0"
    if kind == "noprop":
        env["GENESIS_PROPAGATE"] = "0"
    if kind == "bag":
        env.update(OTEL_PROPAGATORS="tracecontext,baggage", BAGGAGE="tenant=acme,region=eu")
    if kind in ("ratio", "tail"):
        env.update(OTEL_TRACES_SAMPLER="parentbased_traceidratio", OTEL_TRACES_SAMPLER_ARG="0.01")
    if kind == "tail":
        env["GENESIS_TAIL_SAMPLING"] = "errors,slow"
    return env
# id, label, set, scenario, gzip
EXP_ROWS = [
    ("exp_http", "exporter thread, per HTTP server span", "ci", "nginx", False),
    ("exp_redis", "exporter thread, per Redis span", "ci", "redis", False),
    ("exp_mysql", "exporter thread, per MySQL span", "ci", "mysql", False),
    ("exp_http_gzip", "  gzip on top, per HTTP server span", "full", "nginx", True),
    ("exp_redis_gzip", "  gzip on top, per Redis span", "full", "redis", True),
    ("exp_mysql_gzip", "  gzip on top, per MySQL span", "full", "mysql", True),
]
EXP_SIZES = (1024, 3072)        # multiples of the 512-span batch
HEADER_LINES = 20              # extra request header lines, on HEADER_REQUESTS requests
HEADER_REQUESTS = 2000


def scenarios(ctx):
    return {"redis": R.sc_redis_client(ctx), "nginx": R.sc_nginx_server(ctx), "http": R.sc_http_client(ctx),
            "mysql": R.sc_mysqldb(ctx),
            "mysql_polled": R.sc_mysqldb(ctx, "polled"),
            "nats_pub": R.sc_nats_publish(ctx),
            "kafka_produce": R.sc_kafka(ctx, "produce"), "kafka_consume": R.sc_kafka(ctx, "consume"),
            "write": R.sc_ops(ctx, "write"), "sendrecv": R.sc_ops(ctx, "sendrecv"),
            "logline": R.sc_ops(ctx, "logline")}


def _diff_parts(a, b):
    return {k: b[k] - a[k] for k in ("library", "libc", "other")}


def _objects(r, a, b=None):
    """The row's added instructions per object file (JSON only; |x| >= 1 instruction)."""
    objs = b["objects"] if b else a["objects"]
    base = a["objects"] if b else {}
    d = {o: round(objs.get(o, 0) - base.get(o, 0), 1) for o in set(objs) | set(base)}
    r["objects"] = {o: v for o, v in sorted(d.items(), key=lambda kv: -abs(kv[1])) if abs(v) >= 1}


def measure(rid, rec, fn, log):
    t = time.monotonic()
    log("measuring %-22s ..." % rid)
    try:
        fn(rec)
    except Exception as e:     # one row's failure is reported in its row; the others go on
        rec["error"] = "%s: %s" % (type(e).__name__, " ".join(str(e).split()))
    log("  %-22s %.1f s%s" % (rid, time.monotonic() - t, " ERROR" if rec["error"] else ""))
    return table.judge(rec)


def app_rows(ctx, want, log):
    sc = scenarios(ctx)
    out, done = [], {}
    for rid, label, _set, key, (n1, n2), goal, kind in APP_ROWS:
        if not want(rid, _set):
            continue
        rec = table.row(rid, label, "instr", "added_max" if goal is not None else None, goal)
        # the program's own code is `other`, except in the Kafka rows, where `other` is mostly
        # librdkafka doing what the library asked of it (the header it adds)
        rec["app_other"] = not rid.startswith("kafka_")

        def fn(r, key=key, n1=n1, n2=n2, kind=kind):
            f = R.app_thread(ctx, sc[key], n1, n2, app_env(ctx, kind))
            r["bare"], r["pre"] = f["bare"]["total"], f["pre"]["total"]
            r["added"] = r["pre"] - r["bare"]
            r["parts"] = _diff_parts(f["bare"], f["pre"])
            _objects(r, f["bare"], f["pre"])
        out.append(measure(rid, rec, fn, log))
        done[rid] = rec
    on, off = done.get("http_client_inject"), done.get("http_client_noinject")
    if on and off and not on["error"] and not off["error"]:
        d = table.row("http_inject_alone", "  injection alone (on - off)", "instr")
        d["app_other"] = True
        d["added"] = on["added"] - off["added"]
        d["parts"] = {k: on["parts"][k] - off["parts"][k] for k in on["parts"]}
        out.append(table.judge(d))
    for prog in ("redis", "nginx"):      # what tail sampling adds on the application thread
        on, off = done.get(prog + "_get_tail"), done.get(prog + "_get_ratio")
        if on and off and not on["error"] and not off["error"]:
            d = table.row(prog + "_tail_alone", "  tail sampling alone (tail - 1 %), " + prog, "instr",
                          "added_max", 150)
            d["added"] = on["added"] - off["added"]
            d["parts"] = {k: on["parts"][k] - off["parts"][k] for k in on["parts"]}
            out.append(table.judge(d))
    # The extra lines make a 1.1 KiB head: with nginx's default 1 KiB head buffer it reads the
    # head in two calls, and a second read of the connection is not a header line's cost. The
    # goal row gives nginx a 4 KiB buffer (one read either way); the info row keeps the default
    # and the row after it prices the second read.
    for rid, label, _set, goal, buf in (
            ("nginx_header_line", "nginx, per extra header line (head in one read)", "ci", 10, "4k"),
            ("nginx_header_line_2reads", "  same, nginx's 1 KiB head buffer (head in two reads)", "full",
             None, None)):
        if not want(rid, _set):
            continue
        rec = table.row(rid, label, "instr", "added_max" if goal else None, goal)
        rec["app_other"] = True

        def fn(r, buf=buf):
            f = R.header_lines(ctx, R.sc_nginx_server(ctx, buf), HEADER_REQUESTS, HEADER_LINES,
                               app_env(ctx, "otlp"))
            r["bare"], r["pre"] = f["bare"]["total"], f["pre"]["total"]
            r["added"] = r["pre"] - r["bare"]
            r["parts"] = _diff_parts(f["bare"], f["pre"])
        done[rid] = measure(rid, rec, fn, log)
        out.append(done[rid])
    one, two = done.get("nginx_header_line"), done.get("nginx_header_line_2reads")
    if one and two and not one["error"] and not two["error"]:
        d = table.row("nginx_head_second_read", "  the second read of a head, per request", "instr")
        d["added"] = (two["added"] - one["added"]) * HEADER_LINES
        d["parts"] = {k: (two["parts"][k] - one["parts"][k]) * HEADER_LINES for k in one["parts"]}
        out.append(table.judge(d))
    return out


def exp_rows(ctx, want, log):
    sc = scenarios(ctx)
    out, plain = [], {}
    for rid, label, _set, key, gzip in EXP_ROWS:
        if not want(rid, _set):
            continue
        rec = table.row(rid, label, "instr", "added_max", 3000 if gzip else 2500)

        def fn(r, key=key, gzip=gzip):
            f = R.exporter_thread(ctx, sc[key], EXP_SIZES[0], EXP_SIZES[1], gzip)
            if not gzip:
                plain[key] = f
                r["pre"] = r["added"] = f["total"]
                r["parts"] = {k: f[k] for k in ("library", "libc", "other")}
                _objects(r, f)
                return
            base = plain.get(key) or R.exporter_thread(ctx, sc[key], EXP_SIZES[0], EXP_SIZES[1], False)
            r["bare"], r["pre"] = base["total"], f["total"]
            r["added"] = r["pre"] - r["bare"]
            r["parts"] = _diff_parts(base, f)
            _objects(r, base, f)
        out.append(measure(rid, rec, fn, log))
    if want("exp_logs", "ci"):
        rec = table.row("exp_logs", "exporter thread, per log record (100 B line)", "instr", "added_max", 1500)

        def fn(r):
            f = R.exporter_thread_logs(ctx, sc["logline"], EXP_SIZES[0], EXP_SIZES[1])
            r["pre"] = r["added"] = f["total"]
            r["parts"] = {k: f[k] for k in ("library", "libc", "other")}
            _objects(r, f)
        out.append(measure("exp_logs", rec, fn, log))
    return out


def exp_tail_rows(ctx, want, log):
    """What tail sampling costs the exporter thread per head-dropped span (tail on - off)."""
    sc = scenarios(ctx)
    out = []
    for rid, label, key in (("exp_tail_redis", "exporter thread, per head-dropped Redis span, tail", "redis"),
                            ("exp_tail_nginx", "exporter thread, per head-dropped HTTP span, tail", "nginx")):
        if not want(rid, "full"):
            continue
        rec = table.row(rid, label, "instr")

        def fn(r, key=key):
            off = R.exporter_thread_per_op(ctx, sc[key], 1000, 3000, app_env(ctx, "ratio"))
            on = R.exporter_thread_per_op(ctx, sc[key], 1000, 3000, app_env(ctx, "tail"))
            r["bare"], r["pre"] = off["total"], on["total"]
            r["added"] = r["pre"] - r["bare"]
            r["parts"] = _diff_parts(off, on)
        out.append(measure(rid, rec, fn, log))
    return out


def startup_rows(ctx, want, log):
    out = []
    if not want("startup", "ci"):
        return out
    res = {}

    def get(name, venv):
        if name not in res:
            res[name] = R.startup(ctx, venv)
        return res[name]

    dead = {"OTEL_EXPORTER_OTLP_ENDPOINT": R.DEAD}
    specs = [("startup_instr", "/bin/true start-up, instructions", "instr", 25000, "pre", dead, "total"),
             ("startup_faults", "/bin/true start-up, page faults", "faults", 10, "pre", dead, "faults"),
             ("startup_disabled", "  same, OTEL_SDK_DISABLED=true", "instr", 5000, "off",
              {"OTEL_SDK_DISABLED": "true"}, "total"),
             ("startup_disabled_faults", "  same, OTEL_SDK_DISABLED=true, page faults", "faults", None,
              "off", {"OTEL_SDK_DISABLED": "true"}, "faults")]
    for rid, label, unit, goal, name, venv, key in specs:
        rec = table.row(rid, label, unit, "added_max" if goal is not None else None, goal)

        def fn(r, name=name, venv=venv, key=key):
            b, p = get("bare", None), get(name, venv)
            r["bare"], r["pre"] = b[key], p[key]
            r["added"] = r["pre"] - r["bare"]
            if key == "total":
                r["parts"] = _diff_parts(b, p)
        out.append(measure(rid, rec, fn, log))
    return out


def wall_rows(ctx, rounds, log):
    # The receiver takes the exports without decoding them (genesis-view --sink): on these two
    # cores a decoding receiver competes with the measured program for the CPU, which a
    # collector on another host does not (genesis-view's full decode cost redis-benchmark
    # x0.63 where the sink gives x0.90, the library's thread and transport being the same).
    sink = ctx.peer("sink")
    pre_env = {"OTEL_EXPORTER_OTLP_ENDPOINT": sink.endpoint()}
    out = []
    specs = [("wall_redis", "wall: redis-benchmark -c 50 GET (client)", wall.redis),
             ("wall_nginx", "wall: wrk -c 50 -> nginx static (server)", wall.nginx),
             ("wall_sysbench", "wall: sysbench oltp_point_select (client)", wall.sysbench)]
    rss = table.row("rss_nginx", "RSS of an nginx worker under load (wrk)", "MiB", "added_max", 4)
    for rid, label, f in specs:
        rec = table.row(rid, label, "req/s", "ratio_min", 0.95)

        def fn(r, f=f, rid=rid):
            before = sink.count("trace_requests"), sink.count("bytes")
            got = f(ctx, pre_env, rounds)
            r["note"] = "%d trace exports, %.1f MB received" % (
                sink.count("trace_requests") - before[0], (sink.count("bytes") - before[1]) / 1e6)
            if rid == "wall_nginx":
                got, mem = got
                rss["bare"], rss["pre"] = wall.median(mem["bare"]), wall.median(mem["pre"])
                rss["added"] = rss["pre"] - rss["bare"]
            r["bare"], r["pre"] = wall.median(got["bare"]), wall.median(got["pre"])
            # Each round's preloaded figure over the bare one measured next to it: the pairing
            # cancels slow drifts of the machine; the spread of these ratios is the noise.
            ratios = [p / b for b, p in zip(got["bare"], got["pre"])]
            r["ratio"] = wall.median(ratios)
            r["note"] = "rounds %.2f..%.2f; %s" % (min(ratios), max(ratios), r["note"])
            r["rounds"] = got
        out.append(measure(rid, rec, fn, log))
        if rid == "wall_nginx":
            if rec["error"]:
                rss["error"] = "not measured: the wrk -> nginx rounds failed"
            out.append(table.judge(rss))
    return out


def meta(build):
    lib = os.path.join(build, "libgenesis_auto.so")

    def sh(*a):
        try:
            return subprocess.run(a, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=ROOT,
                                  timeout=20).stdout.decode().strip()
        except (OSError, subprocess.SubprocessError):
            return ""
    dirty = sh("git", "status", "--porcelain", "--", "preload", "hooks", "exporter", "protocols", "plugins")
    return {"date": datetime.datetime.now().strftime("%Y-%m-%d %H:%M:%S"),
            "commit": sh("git", "rev-parse", "--short=12", "HEAD") + (" + uncommitted library changes" if dirty else ""),
            "library_bytes": os.path.getsize(lib) if os.path.exists(lib) else None,
            "valgrind": sh("valgrind", "--version"), "cpus": os.cpu_count(),
            "loadavg": open("/proc/loadavg").read().split()[0]}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("--build", default=os.environ.get("BUILD", "build"))
    ap.add_argument("--set", choices=("full", "ci"), default="full")
    ap.add_argument("--no-wall", action="store_true", help="skip the wall-clock ratios and the RSS row")
    ap.add_argument("--rounds", type=int, default=int(os.environ.get("ICOUNT_WALL_ROUNDS", "5")))
    ap.add_argument("--only", default="", help="comma-separated row ids (and prefixes)")
    ap.add_argument("--json")
    ap.add_argument("--check")
    ap.add_argument("--write-baseline")
    ap.add_argument("--keep", action="store_true", help="keep the work directory (callgrind files)")
    a = ap.parse_args()
    build = os.path.abspath(os.path.join(ROOT, a.build))
    only = [x for x in a.only.split(",") if x]

    def want(rid, rset):
        if only:
            return any(rid.startswith(o) for o in only)
        return a.set == "full" or rset == "ci"

    t0 = time.monotonic()

    def log(msg):
        print("icount: [%5.1fs] %s" % (time.monotonic() - t0, msg), file=sys.stderr, flush=True)

    for tool in ("valgrind", "redis-server", "redis-benchmark", "nginx", "mariadbd", "nats-server"):
        if shutil.which(tool) is None and not os.path.exists("/usr/sbin/" + tool):
            print("icount: %s is not installed (scripts/install-deps.sh)" % tool, file=sys.stderr)
            return 1
    if not os.path.exists(os.path.join(build, "libgenesis_auto.so")):
        print("icount: %s/libgenesis_auto.so is missing (make)" % build, file=sys.stderr)
        return 1
    # SIGTERM (make interrupted, a CI timeout) unwinds like Ctrl-C: the servers get stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    work = tempfile.mkdtemp(prefix="genesis-icount-")
    ctx = R.Ctx(ROOT, build, work, log)
    try:
        recs = measure_rows(ctx, want, log)
        if a.set == "full" and not a.no_wall and (not only or any(o in ("wall", "rss") for o in only)):
            recs += wall_rows(ctx, a.rounds, log)
        if a.check:
            recs = remeasure_over_limit(ctx, recs, a.check, log)
    finally:
        ctx.close()
        if a.keep:
            log("callgrind files kept in %s" % work)
        else:
            shutil.rmtree(work, ignore_errors=True)
    return report(a, build, recs, time.monotonic() - t0)


def measure_rows(ctx, want, log):
    return (app_rows(ctx, want, log) + exp_rows(ctx, want, log) + exp_tail_rows(ctx, want, log)
            + startup_rows(ctx, want, log))


def remeasure_over_limit(ctx, recs, baseline, log):
    """The CI guard measures a row over its limit once more and keeps the lower figure. The
    exporter thread's rows count its idle polls too, whose number follows how fast callgrind ran
    (a loaded machine: up to +50% on one measurement); a real regression is over the limit twice."""
    with open(baseline) as f:
        base = json.load(f)
    tol, slack = base.get("tolerance", TOLERANCE), base.get("slack", SLACK)
    over = set()
    for r in recs:
        b = base["rows"].get(r["id"])
        if b and not r["error"]:
            bv, now = table.against(r, b)
            if now > bv + abs(bv) * tol + slack:
                over.add(r["id"])
    if not over:
        return recs
    log("over the limit once, measuring again: %s" % ", ".join(sorted(over)))
    again = {r["id"]: r for r in measure_rows(
        ctx, lambda rid, rset: rid in over or any(o.startswith(rid) for o in over), log)}
    out = []
    for r in recs:
        r2 = again.get(r["id"])
        out.append(r2 if r2 and not r2["error"] and table.guarded(r2) < table.guarded(r) else r)
    return out


def report(a, build, recs, elapsed):
    m = meta(build)
    m["elapsed_s"] = round(elapsed, 1)
    print("genesis-auto instruction counts (callgrind) — %s, commit %s, %s s" % (m["date"], m["commit"], m["elapsed_s"]))
    print("per operation = (Ir(N2) - Ir(N1)) / (N2 - N1) on the thread doing the work, spans exported (OTLP")
    print("to genesis-view) unless a row says otherwise; exporter rows: that thread, per span received\n")
    print(table.render(recs))
    if a.json:
        os.makedirs(os.path.dirname(os.path.abspath(a.json)), exist_ok=True)
        with open(a.json, "w") as f:
            json.dump({"meta": m, "rows": recs}, f, indent=1)
            f.write("\n")
    failed = any(r["error"] for r in recs)
    if a.write_baseline:
        if failed:
            print("\nicount: some rows failed; baseline not written", file=sys.stderr)
            return 1
        base = {"comment": "instruction-count baseline of `make icount-check`; rewrite with "
                           "`make icount-baseline` in the commit that justifies the change",
                "tolerance": TOLERANCE, "slack": SLACK, "meta": m,
                "rows": {r["id"]: {"label": r["label"], "unit": r["unit"], "bare": _r(r["bare"]),
                                   "added": _r(r["added"]), "guarded": _r(table.guarded(r))}
                         for r in recs if r["added"] is not None}}
        with open(a.write_baseline, "w") as f:
            json.dump(base, f, indent=1)
            f.write("\n")
        print("\nicount: baseline written to %s" % a.write_baseline)
    if a.check:
        with open(a.check) as f:
            base = json.load(f)
        ok, text = table.compare(recs, base["rows"], base.get("tolerance", TOLERANCE), base.get("slack", SLACK))
        print("\nCI guard: added cost vs %s (baseline of %s, commit %s)" % (a.check, base["meta"].get("date"),
                                                                             base["meta"].get("commit")))
        print(text)
        print("\nicount-check: %s" % ("PASSED" if ok else "FAILED (a regression, or update the baseline "
                                                          "with `make icount-baseline` if it is justified)"))
        return 0 if ok else 1
    return 1 if failed else 0


def _r(v):
    return None if v is None else round(v, 1)


if __name__ == "__main__":
    sys.exit(main())

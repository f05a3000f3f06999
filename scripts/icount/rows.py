"""rows.py — the instruction-count rows of docs/benchmarks.md: how each is measured.

Every per-operation row runs one program under callgrind twice, with N1 and N2 operations, bare
and preloaded; (Ir(N2) - Ir(N1)) / (N2 - N1) is the cost of one operation with start-up and
shut-down cancelled. Application-thread rows count the thread doing the work (thread 1);
exporter rows count the library's own thread (cgout.library_thread) and divide by the spans the
receiver got. Instructions are attributed by object file: libgenesis_auto.so ("library"),
libc, and the rest ("other": the program, ld.so, libcurl, ...).
"""
import os

import cgout
import procs

NONE_ENV = {"OTEL_TRACES_EXPORTER": "none", "OTEL_METRICS_EXPORTER": "none",
            "OTEL_LOGS_EXPORTER": "none"}
DEAD = "http://127.0.0.1:9"     # discard port: nothing listens, nothing leaves the host


def otlp_env(endpoint, gzip):
    """100% sampling, spans only, to `endpoint`; batches cut by size only (512 spans), so that
    the number of requests does not depend on how slowly callgrind runs; nothing dropped; no
    operation slow enough for a stack (GENESIS_STACKS' default takes one at 100 ms, which an
    operation under callgrind reaches now and then: one capture on the application's thread, or
    a symbolised stack on the exporter's — `dladdr` ≈ 460 per span of a 2,048-span difference —
    moved the rows with the timing of the run; a stack's own cost is docs/stacks.md's)."""
    return {"OTEL_TRACES_EXPORTER": "otlp", "OTEL_METRICS_EXPORTER": "none",
            "OTEL_LOGS_EXPORTER": "none", "OTEL_EXPORTER_OTLP_ENDPOINT": endpoint,
            "OTEL_EXPORTER_OTLP_COMPRESSION": "gzip" if gzip else "none",
            "OTEL_BSP_SCHEDULE_DELAY": "3600000", "OTEL_BSP_MAX_QUEUE_SIZE": "65536",
            "OTEL_BSP_MAX_EXPORT_BATCH_SIZE": "512", "GENESIS_QUEUE_SIZE": "65536",
            "GENESIS_EXIT_FLUSH_MS": "60000", "GENESIS_STACK_SLOW_MS": "86400000"}


def logs_env(endpoint):
    """Log records exported (OTLP to `endpoint`), batches cut by size only, nothing dropped."""
    return {"OTEL_LOGS_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT": endpoint + "/v1/logs",
            "OTEL_BLRP_SCHEDULE_DELAY": "3600000", "OTEL_BLRP_MAX_QUEUE_SIZE": "65536",
            "OTEL_BLRP_MAX_EXPORT_BATCH_SIZE": "512", "GENESIS_QUEUE_SIZE": "262144",
            "GENESIS_EXIT_FLUSH_MS": "60000"}


class Ctx:
    """What every row needs: paths, a work directory, lazily started shared peers."""

    def __init__(self, root, build, work, log):
        self.root, self.build, self.work, self.log = root, build, work, log
        self.lib = os.path.join(build, "libgenesis_auto.so")
        self.bench = os.path.join(build, "tests", "bench")
        self.floor = os.path.join(self.bench, "libfloor.so")     # the floor rows' library
        self.seq = 0
        os.makedirs(os.path.join(work, "cg"), exist_ok=True)
        self._peers = {}

    def env(self, variant_env):
        """None = bare; a dict = preloaded with those settings (the library, unless the settings
        name their own LD_PRELOAD: the floor rows)."""
        if variant_env is None:
            return procs.clean_env()
        return procs.clean_env(dict({"LD_PRELOAD": self.lib}, **variant_env))

    def prefix(self, tag):
        self.seq += 1
        return os.path.join(self.work, "cg", "%03d-%s" % (self.seq, tag))

    def peer(self, name):
        """A shared peer server, started on first use; one that failed to start is not retried."""
        if isinstance(self._peers.get(name), Exception):
            raise RuntimeError("%s did not start earlier: %s" % (name, self._peers[name]))
        try:
            return self._start_peer(name)
        except Exception as e:
            self._peers[name] = e
            raise

    def _start_peer(self, name):
        if name not in self._peers:
            if name == "redis":
                self._peers[name] = procs.Redis(self.work)
            elif name == "mariadb":
                m = procs.MariaDB(self.work)
                m.sql("CREATE DATABASE ic; CREATE TABLE ic.k (id INT PRIMARY KEY, v VARCHAR(32));"
                      "INSERT INTO ic.k VALUES (7, 'seven'), (8, 'eight');")
                self._peers[name] = m
            elif name == "nginx":
                self._peers[name] = procs.Nginx(self.work, "nginx-peer", procs.clean_env())
            elif name == "view":
                self._peers[name] = procs.View(self.work, self.build)
            elif name == "sink":
                self._peers[name] = procs.View(self.work, self.build, "sink", sink=True)
            elif name == "nats":
                self._peers[name] = procs.NatsServer(self.work)
            elif name == "kafka":
                self._peers[name] = kafka_peer(self)
        return self._peers[name]

    def close(self):
        for p in self._peers.values():
            if not isinstance(p, Exception):
                p.stop()
        self._peers.clear()


# ---- scenarios: run one measured program with n operations, return its profiles ----------------

def sc_ops(ctx, op):
    def run(env, n, prefix, extra=0):
        procs.run(procs.callgrind_argv(prefix, [os.path.join(ctx.bench, "icount_ops"), op, str(n)]),
                  env, what="icount_ops " + op)
        return cgout.profiles(prefix)
    return run


def sc_redis_client(ctx):
    def run(env, n, prefix, extra=0):
        r = ctx.peer("redis")
        procs.run(procs.callgrind_argv(prefix, ["redis-benchmark", "-h", "127.0.0.1", "-p", str(r.port),
                                                "-c", "1", "-n", str(n), "-t", "get", "--csv"]),
                  env, what="redis-benchmark")
        return cgout.profiles(prefix)
    return run


def sc_http_client(ctx):
    def run(env, n, prefix, extra=0):
        ng = ctx.peer("nginx")
        procs.run(procs.callgrind_argv(prefix, [os.path.join(ctx.bench, "icount_http"), str(ng.port),
                                                str(n), str(extra)]), env, what="icount_http")
        return cgout.profiles(prefix)
    return run


def sc_nginx_server(ctx, head_buffer=None):
    """nginx (one process, no master) under callgrind; icount_http (bare, native) sends n
    keep-alive GETs with `extra` additional header lines. head_buffer: procs.Nginx's."""
    def run(env, n, prefix, extra=0):
        ng = procs.Nginx(ctx.work, "nginx-cg", env, wrap=procs.callgrind_argv(prefix, []),
                         head_buffer=head_buffer)
        try:
            procs.run([os.path.join(ctx.bench, "icount_http"), str(ng.port), str(n), str(extra)],
                      procs.clean_env(), what="icount_http (load)")
        finally:
            rc = ng.stop()
        if rc not in (0, None):
            raise RuntimeError("nginx under callgrind exited %s" % rc)
        return cgout.profiles(prefix)
    return run


def sc_nats_publish(ctx):
    """A raw-socket NATS client (tests/bench/nats_bench wire-pub): CONNECT with headers, then n
    PUBs of 16 bytes, one write() each; the wire injector turns each into an HPUB."""
    def run(env, n, prefix, extra=0):
        srv = ctx.peer("nats")
        procs.run(procs.callgrind_argv(prefix, [os.path.join(ctx.bench, "nats_bench"), "wire-pub",
                                                str(srv.port), str(n)]), env, what="nats_bench wire-pub")
        return cgout.profiles(prefix)
    return run


# Consume topics of the Kafka rows, one per run length: created with the mock and filled with
# exactly n messages carrying a traceparent (ctx.peer("kafka")), so that each consumer reads
# its whole topic (what it left unread would be destroyed at its close).
KAFKA_CONSUME_N = (200, 1200)
KAFKA_TOPICS = ["ic-tp-%d" % n for n in KAFKA_CONSUME_N]


def kafka_peer(ctx):
    """The mock cluster, its consume topics filled by a preloaded (injecting) producer."""
    k = procs.KafkaMock(ctx.work, ctx.build, KAFKA_TOPICS)
    fill_env = procs.clean_env({"LD_PRELOAD": ctx.lib, "OTEL_TRACES_EXPORTER": "console",
                                "GENESIS_CONSOLE_FILE": "/dev/null", "OTEL_METRICS_EXPORTER": "none",
                                "OTEL_LOGS_EXPORTER": "none"})
    try:
        for topic, n in zip(KAFKA_TOPICS, KAFKA_CONSUME_N):
            procs.run([os.path.join(ctx.build, "tests", "progs", "kafka_bench"), "produce", k.bootstrap,
                       topic, str(n)], fill_env, what="kafka_bench produce (filling %s)" % topic)
    except Exception:
        k.stop()
        raise
    return k


def sc_kafka(ctx, workload):
    """tests/progs/kafka_bench against the mock cluster: `produce` (rd_kafka_producev, into a
    topic of its own, named after the run) or `consume` (rd_kafka_consume of a topic of exactly n
    messages)."""
    def run(env, n, prefix, extra=0):
        k = ctx.peer("kafka")
        topic = ("ic-p-" + os.path.basename(prefix)) if workload == "produce" else "ic-tp-%d" % n
        procs.run(procs.callgrind_argv(prefix, [os.path.join(ctx.build, "tests", "progs", "kafka_bench"),
                                                workload, k.bootstrap, topic, str(n)]), env,
                  what="kafka_bench " + workload)
        return cgout.profiles(prefix)
    return run


def sc_mysqldb(ctx, mode="execute"):
    def run(env, n, prefix, extra=0):
        m = ctx.peer("mariadb")
        prog = os.path.join(ctx.root, "tests", "bench", "icount_mysqldb.py")
        procs.run(procs.callgrind_argv(prefix, ["/usr/bin/python3", prog, str(m.port), str(n), mode]),
                  env, what="icount_mysqldb.py " + mode)
        return cgout.profiles(prefix)
    return run


# ---- measurements -------------------------------------------------------------------------------

def _figures(prof):
    d = prof.by_category()
    d["total"] = prof.total
    d["objects"] = {os.path.basename(o): ir for o, ir in prof.objects.items()}
    return d


def _per_op(a, b, dn):
    """Per-operation figures from two runs; 'objects' per object file (basename)."""
    out = {k: (b[k] - a[k]) / dn for k in b if k != "objects"}
    if "objects" in b:
        names = set(a["objects"]) | set(b["objects"])
        out["objects"] = {o: (b["objects"].get(o, 0) - a["objects"].get(o, 0)) / dn for o in names}
    return out


def app_thread(ctx, scenario, n1, n2, pre_env, bare=True, extra=0):
    """Per-operation instructions of the main thread: {'bare': {...}, 'pre': {...}} with keys
    total/library/libc/other (bare is None when bare=False)."""
    out = {}
    for variant, venv in (("bare", None), ("pre", pre_env)):
        if variant == "bare" and not bare:
            out[variant] = None
            continue
        figs = []
        for n in (n1, n2):
            profs = scenario(ctx.env(venv), n, ctx.prefix(variant), extra)
            figs.append(_figures(cgout.main_thread(profs)))
        out[variant] = _per_op(figs[0], figs[1], n2 - n1)
    if pre_env is not None and out["pre"]["library"] <= 0:
        raise RuntimeError("no instruction ran in %s: the library was not loaded" % cgout.LIB_OBJ)
    return out


def header_lines(ctx, scenario, n, lines, pre_env):
    """Per extra request header line: (Ir(n requests with `lines` extra lines) - Ir(n requests
    without)) / (n * lines), main thread, bare and preloaded."""
    out = {}
    for variant, venv in (("bare", None), ("pre", pre_env)):
        figs = [_figures(cgout.main_thread(scenario(ctx.env(venv), n, ctx.prefix(variant), k)))
                for k in (0, lines)]
        out[variant] = _per_op(figs[0], figs[1], n * lines)
    return out


def exporter_thread(ctx, scenario, n1, n2, gzip):
    """Per-span instructions of the library's thread, exporting OTLP to genesis-view. The
    receiver's span count checks that every span arrived (and gives the divisor)."""
    view = ctx.peer("view")
    figs, spans = [], []
    for n in (n1, n2):
        before = view.spans()
        profs = scenario(ctx.env(otlp_env(view.endpoint(), gzip)), n, ctx.prefix("exp"))
        lt = cgout.library_thread(profs)
        if lt is None:
            raise RuntimeError("no library thread found in %s" % [p.path for p in profs])
        figs.append(_figures(lt))
        spans.append(_wait_spans(view, before))
    dn = spans[1] - spans[0]
    if dn < (n2 - n1) or dn > (n2 - n1) * 1.1:
        raise RuntimeError("receiver got %d and %d spans for %d and %d operations" % (spans[0], spans[1], n1, n2))
    return _per_op(figs[0], figs[1], dn)


def exporter_thread_per_op(ctx, scenario, n1, n2, venv):
    """Per-operation instructions of the library's thread (no receiver check: with head sampling
    at 1 % nearly nothing is exported)."""
    figs = []
    for n in (n1, n2):
        lt = cgout.library_thread(scenario(ctx.env(venv), n, ctx.prefix("expop")))
        if lt is None:
            raise RuntimeError("no library thread found")
        figs.append(_figures(lt))
    return _per_op(figs[0], figs[1], n2 - n1)


def _wait_spans(view, before):
    import time
    last, stable = -1, 0
    for _ in range(100):           # the count file is rewritten after each request
        got = view.spans() - before
        stable = stable + 1 if got == last else 0
        if stable >= 3:
            break
        last = got
        time.sleep(0.05)
    return view.spans() - before


def startup(ctx, venv):
    """Instructions of a whole /bin/true run (all threads), and its minor page faults (median of
    21 runs, measured natively with wait4)."""
    prefix = ctx.prefix("true")
    env = ctx.env(venv)
    procs.run(procs.callgrind_argv(prefix, ["/bin/true"], threads=False), env, what="/bin/true")
    profs = cgout.profiles(prefix)
    parts = {k: sum(p.by_category()[k] for p in profs) for k in ("library", "libc", "other")}
    total = sum(p.total for p in profs)
    faults = []
    for _ in range(21):
        pid = os.posix_spawn("/bin/true", ["/bin/true"], env)
        _, status, ru = os.wait4(pid, 0)
        if status != 0:
            raise RuntimeError("/bin/true failed: status %d" % status)
        faults.append(ru.ru_minflt)
    faults.sort()
    return dict(parts, total=total, faults=faults[len(faults) // 2])


def exporter_thread_logs(ctx, scenario, n1, n2):
    """Per-record instructions of the library's thread for lines written to stdout, exported as
    OTLP log records (spans off): line assembly, checks, severity, encoding, sending."""
    endpoint = ctx.peer("view").endpoint()
    env = dict(logs_env(endpoint), OTEL_TRACES_EXPORTER="none", OTEL_METRICS_EXPORTER="none")
    figs = []
    for n in (n1, n2):
        profs = scenario(ctx.env(env), n, ctx.prefix("explogs"))
        lt = cgout.library_thread(profs)
        if lt is None:
            raise RuntimeError("no library thread found in %s" % [p.path for p in profs])
        figs.append(_figures(lt))
    return _per_op(figs[0], figs[1], n2 - n1)

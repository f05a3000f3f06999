"""examples/observability: the Docker stack (collector, Tempo, Loki, Prometheus, Grafana) for
programs running under the library. Docker is not needed here: the files are checked statically
and against a LIVE scrape of the library's Prometheus endpoint.

- every YAML file parses; the compose file has the five services, pinned image tags, ports
  published on 127.0.0.1 only, and mounts the configuration files that exist here;
- `promtool check config` accepts prometheus.yml; its jobs scrape the three IM services on the
  host and the collector's exporter;
- the collector's pipelines (traces, metrics, logs) use only components it defines, and point
  at the Tempo, Loki and Prometheus of the compose file;
- the Grafana datasources link both ways (exemplars -> Tempo, Tempo -> Loki and Prometheus,
  Loki -> Tempo);
- logs: the collector's logs pipeline takes the library's OTLP log records to Loki's native OTLP
  endpoint, Loki keeps trace ids and detects levels, a span links to its logs and a log line to
  its trace, and the dashboard counts error log lines per service;
- the dashboard: unique panel ids, known datasource uids, and every metric and label name of
  its PromQL (and of Tempo's trace-to-metrics queries) is present in the scrape of a process
  under the library that served and made HTTP requests and talked to Redis and MariaDB.
"""
import json
import re
import select
import subprocess
import time
from pathlib import Path

import pytest
import yaml

from conftest import LIB, PY, ROOT, clean_env, free_port, tool
from test_mysql_support import PASSWORD, USER, start_mariadb
from test_prometheus import OM_ACCEPT, samples, scrape

OBS = ROOT / "examples" / "observability"
STACK = {"otel-collector", "tempo", "loki", "prometheus", "grafana"}
PUBLISHED = {"otel-collector": {4317, 4318}, "tempo": {3200}, "loki": {3100}, "prometheus": {9090},
             "grafana": {3000}}
IM_PORTS = {"im-gateway": 9464, "im-logic": 9465, "im-comet": 9466}
UIDS = {"prometheus": "prometheus", "tempo": "tempo", "loki": "loki"}
TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"


def load(rel):
    return yaml.safe_load((OBS / rel).read_text())


def yaml_files():
    return sorted(p for p in OBS.rglob("*") if p.suffix in (".yml", ".yaml"))


# ---------------------------------------------------------------------------------------------
# the live scrape

# One process plays a service: an HTTP server (a route template, a 500, a request held in
# flight), an HTTP client of it, a Redis client (RESP on a raw socket), a MariaDB client
# (PyMySQL, one failing query) and a refused connect; then it waits for stdin to close.
WORKLOAD = r'''
import http.server, json, socket, sys, threading, urllib.error, urllib.request
import pymysql
redis_port, my_port, my_user, my_pw = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
entered, release = threading.Event(), threading.Event()

class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/slow":
            entered.set()
            release.wait(30)
        body = b"ok\n"
        self.send_response(500 if self.path == "/fail" else 200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass

srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
threading.Thread(target=srv.serve_forever, daemon=True).start()
base = "http://127.0.0.1:%d" % srv.server_address[1]
for path in ("/users/1", "/users/2", "/fail"):
    try:
        urllib.request.urlopen(base + path, timeout=10).read()
    except urllib.error.HTTPError:
        pass

r = socket.create_connection(("127.0.0.1", redis_port))
for cmd in (b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n", b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n",
            b"*2\r\n$4\r\nINCR\r\n$1\r\nk\r\n"):
    r.sendall(cmd)
    r.recv(512)

db = pymysql.connect(host="127.0.0.1", port=my_port, user=my_user, password=my_pw, database="test")
cur = db.cursor()
cur.execute("SELECT body FROM messages WHERE id = %s", (1,))
cur.fetchall()
try:
    cur.execute("SELECT * FROM no_such_table")
except pymysql.MySQLError:
    pass

dead = socket.socket(); dead.bind(("127.0.0.1", 0)); dead_port = dead.getsockname()[1]; dead.close()
try:
    socket.create_connection(("127.0.0.1", dead_port), timeout=5)
except OSError:
    pass

threading.Thread(target=lambda: urllib.request.urlopen(base + "/slow", timeout=30).read(), daemon=True).start()
entered.wait(10)
print(json.dumps({"ready": True}), flush=True)
sys.stdin.read()
release.set()
'''


def series_labels(text):
    """{sample name: set of label names} of an exposition."""
    out = {}
    for name, lab, _, _ in samples(text):
        out.setdefault(name, set()).update(lab)
    return out


def complete(text):
    """Has the exporter thread caught up with everything the workload did?"""
    smp = samples(text)
    have = {(n, lab.get("db_system_name"), "error_type" in lab) for n, lab, _, _ in smp}
    names = {n for n, _, _, _ in smp}
    return ({"target_info", "http_server_active_requests", "http_server_request_duration_seconds_count",
             "http_client_request_duration_seconds_count", "genesis_network_io_bytes_total"} <= names
            and ("db_client_operation_duration_seconds_count", "redis", False) in have
            and ("db_client_operation_duration_seconds_count", "mariadb", True) in have
            and ("genesis_network_connect_duration_seconds_count", None, True) in have)


@pytest.fixture(scope="module")
def live_scrape(tmp_path_factory, redis_server):
    """{"om": OpenMetrics text, "text": text 0.0.4} scraped from the workload under the library."""
    db = start_mariadb(tmp_path_factory, "obs-mariadb")
    d = tmp_path_factory.mktemp("obs-live")
    (d / "workload.py").write_text(WORKLOAD)
    port = free_port()
    env = clean_env({"LD_PRELOAD": str(LIB), "OTEL_SERVICE_NAME": "im-logic",
                     "OTEL_METRICS_EXPORTER": "prometheus", "OTEL_EXPORTER_PROMETHEUS_PORT": str(port),
                     "GENESIS_CONSOLE_FILE": str(d / "spans.jsonl"), "GENESIS_HTTP_ROUTES": "/users/{id}"})
    err = open(d / "workload.err", "wb")
    proc = subprocess.Popen([PY, str(d / "workload.py"), str(redis_server.port), str(db.port), USER, PASSWORD],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err, env=env)
    try:
        ready, _, _ = select.select([proc.stdout], [], [], 30)
        line = proc.stdout.readline() if ready else b""
        assert b'"ready"' in line, f"workload not ready: {line!r} {(d / 'workload.err').read_text()[-2000:]}"
        deadline, om = time.monotonic() + 10, ""
        while time.monotonic() < deadline:
            try:
                ct, om = scrape(port, accept=OM_ACCEPT)
                if complete(om):
                    break
            except OSError:
                pass
            time.sleep(0.05)
        assert complete(om), f"the scrape never showed everything the workload did:\n{om}"
        assert ct.startswith("application/openmetrics-text"), ct
        _, text = scrape(port)
        yield {"om": om, "text": text}
    finally:
        if proc.poll() is None:
            proc.stdin.close()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        proc.stdout.close()
        err.close()
        db.stop()


@pytest.fixture(scope="module")
def scraped(live_scrape):
    om, text = series_labels(live_scrape["om"]), series_labels(live_scrape["text"])
    assert set(om) == set(text), "the two formats expose different metrics"
    return {name: om[name] | text[name] for name in om}


# ---------------------------------------------------------------------------------------------
# PromQL references

STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')
RANGE = re.compile(r"\[[^\]]*\]")
SELECTOR = re.compile(r"([a-zA-Z_:][a-zA-Z0-9_:]*)?\s*\{([^{}]*)\}")
MATCHER = re.compile(r"([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)")
GROUPING = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\(([^()]*)\)")
NUMBER = re.compile(r"(?<![\w:])\d[\w.]*")
IDENT = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or", "unless",
            "offset", "inf", "nan"}
LEGEND = re.compile(r"\{\{\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\}\}")


def promql_refs(expr):
    """({metric name: label names in its matchers}, label names of by/without/on/ignoring lists)
    of a PromQL expression; strings, ranges and Grafana variables in them are ignored."""
    s = STRING.sub('""', expr)
    s = RANGE.sub(" ", s)
    s = re.sub(r"\$\{[^}]*\}|\$\w+", " ", s)
    metrics, grouping = {}, set()

    def selector(m):
        labels = set(MATCHER.findall(m.group(2)))
        if m.group(1) is None or m.group(1) in KEYWORDS:
            raise AssertionError(f"selector without a metric name in {expr!r}")
        metrics.setdefault(m.group(1), set()).update(labels)
        return " "

    s = SELECTOR.sub(selector, s)
    s = GROUPING.sub(lambda m: grouping.update(x.strip() for x in m.group(1).split(",") if x.strip()) or " ", s)
    s = NUMBER.sub(" ", s)
    for m in IDENT.finditer(s):
        if m.group(0) in KEYWORDS or s[m.end():].lstrip().startswith("("):
            continue                                  # operator keyword, or a function/aggregation
        metrics.setdefault(m.group(0), set())
    return metrics, grouping


def check_promql(expr, scraped, legend="", where=""):
    """Every metric of expr is in the scrape, and every label it names (matchers, grouping,
    legend) is on one of its metrics (or is job/instance, which Prometheus adds)."""
    metrics, grouping = promql_refs(expr)
    assert metrics, f"{where}: no metric name found in {expr!r}"
    missing = sorted(m for m in metrics if m not in scraped)
    assert not missing, f"{where}: {missing} not in the live scrape ({sorted(scraped)})\n{expr}"
    for m, labels in metrics.items():
        bad = labels - scraped[m] - {"job", "instance"}
        assert not bad, f"{where}: {m} has no label {sorted(bad)} (it has {sorted(scraped[m])})\n{expr}"
    known = set().union(*(scraped[m] for m in metrics)) | {"job", "instance"}
    bad = (grouping | set(LEGEND.findall(legend))) - known
    assert not bad, f"{where}: labels {sorted(bad)} are on none of {sorted(metrics)}\n{expr}\n{legend}"
    return set(metrics)


def test_promql_refs_extracts_names():
    m, g = promql_refs('histogram_quantile(0.95, sum by (job, le) (rate(a_bucket{job=~"$service", '
                       'x!="{y}"}[$__rate_interval]))) / on (job) group_left b_total * 0 or c offset 5m')
    assert m == {"a_bucket": {"job", "x"}, "b_total": set(), "c": set()}, m
    assert g == {"job", "le"}, g
    scraped = {"a_bucket": {"job", "le"}}
    with pytest.raises(AssertionError):
        check_promql("rate(not_emitted_total[5m])", scraped)
    with pytest.raises(AssertionError):
        check_promql('rate(a_bucket{service_name="x"}[5m])', scraped)
    with pytest.raises(AssertionError):
        check_promql("sum by (le) (rate(a_bucket[5m]))", scraped, legend="{{service_name}}")


# ---------------------------------------------------------------------------------------------
# files

def test_every_yaml_file_parses():
    files = yaml_files()
    names = {str(p.relative_to(OBS)) for p in files}
    assert {"docker-compose.yml", "otel-collector.yaml", "tempo.yaml", "loki.yaml", "prometheus.yml",
            "grafana/provisioning/datasources/datasources.yaml",
            "grafana/provisioning/dashboards/dashboards.yaml"} <= names, names
    for p in files:
        assert isinstance(yaml.safe_load(p.read_text()), dict), p


def published_ports(svc, name):
    """Host ports of a compose service; each must be bound to 127.0.0.1."""
    out = set()
    for p in svc.get("ports", []):
        if isinstance(p, dict):
            assert p.get("host_ip") == "127.0.0.1", f"{name}: {p} is not bound to 127.0.0.1"
            out.add(int(p["published"]))
            continue
        parts = str(p).split("/")[0].split(":")
        assert len(parts) == 3 and parts[0] == "127.0.0.1", f"{name}: {p!r} is not bound to 127.0.0.1"
        out.add(int(parts[1]))
    return out


def test_compose_services_ports_images_mounts():
    c = load("docker-compose.yml")
    svcs = c["services"]
    assert STACK <= set(svcs), sorted(svcs)
    for name, svc in svcs.items():
        image = svc.get("image", "")
        repo, _, tag = image.rpartition(":")
        assert repo and "/" not in tag and re.match(r"^v?\d+\.\d+\.\d+$", tag), f"{name}: image {image!r} not pinned"
        got = published_ports(svc, name)
        assert got == PUBLISHED.get(name, set()), f"{name}: publishes {got}"
        for v in svc.get("volumes", []):
            src, target = v.split(":")[:2]
            if src.startswith("."):
                assert (OBS / src).exists(), f"{name}: mounts {src}, which does not exist"
            else:
                assert src in (c.get("volumes") or {}), f"{name}: volume {src} is not declared"

    def mount_of(name, target):
        srcs = [v.split(":")[0] for v in svcs[name]["volumes"] if v.split(":")[1] == target]
        assert len(srcs) == 1, f"{name}: nothing mounted at {target}"
        return srcs[0]

    def flag(name, prefix):
        vals = [a.split("=", 1)[1] for a in svcs[name]["command"] if a.startswith(prefix + "=")]
        assert len(vals) == 1, f"{name}: no {prefix}= in {svcs[name]['command']}"
        return vals[0]

    assert mount_of("otel-collector", flag("otel-collector", "--config")) == "./otel-collector.yaml"
    assert mount_of("tempo", flag("tempo", "-config.file")) == "./tempo.yaml"
    assert mount_of("loki", flag("loki", "-config.file")) == "./loki.yaml"
    assert mount_of("prometheus", flag("prometheus", "--config.file")) == "./prometheus.yml"
    prom = svcs["prometheus"]
    assert "--enable-feature=exemplar-storage" in prom["command"]
    assert "--web.enable-remote-write-receiver" in prom["command"], "Tempo's metrics generator writes into it"
    assert "host.docker.internal:host-gateway" in prom["extra_hosts"]
    env = dict(e.split("=", 1) for e in svcs["grafana"]["environment"])
    assert env["GF_AUTH_ANONYMOUS_ENABLED"] == "true"
    home = env["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"]
    assert home.startswith("/etc/grafana/dashboards/")
    assert mount_of("grafana", "/etc/grafana/dashboards") == "./grafana/dashboards"
    assert (OBS / "grafana/dashboards" / Path(home).name).is_file()
    for sub in ("datasources", "dashboards"):
        assert mount_of("grafana", f"/etc/grafana/provisioning/{sub}") == f"./grafana/provisioning/{sub}"
    dash_prov = load("grafana/provisioning/dashboards/dashboards.yaml")["providers"]
    assert [p["options"]["path"] for p in dash_prov] == ["/etc/grafana/dashboards"]
    assert all(p["type"] == "file" for p in dash_prov)


def test_prometheus_config():
    r = subprocess.run([tool("promtool"), "check", "config", "prometheus.yml"], cwd=OBS, capture_output=True,
                       timeout=60)
    assert r.returncode == 0, r.stdout.decode() + r.stderr.decode()
    cfg = load("prometheus.yml")
    jobs = {j["job_name"]: j for j in cfg["scrape_configs"]}
    for job in jobs.values():
        assert "scrape_protocols" not in job, "Prometheus negotiates OpenMetrics (exemplars) by default"
    for name, port in IM_PORTS.items():
        targets = [t for sc in jobs[name]["static_configs"] for t in sc["targets"]]
        assert targets == [f"host.docker.internal:{port}"], (name, targets)
    col = load("otel-collector.yaml")["exporters"]["prometheus"]
    port = col["endpoint"].rsplit(":", 1)[1]
    assert jobs["otel-collector"]["honor_labels"] is True, "keep job = service.name from the exporter"
    assert [t for sc in jobs["otel-collector"]["static_configs"] for t in sc["targets"]] == [f"otel-collector:{port}"]


def test_collector_pipelines():
    cfg = load("otel-collector.yaml")
    pipes = cfg["service"]["pipelines"]
    assert {"traces", "metrics", "logs"} <= set(pipes), pipes
    for name, p in pipes.items():
        for kind in ("receivers", "processors", "exporters"):
            for comp in p.get(kind, []):
                assert comp in (cfg.get(kind) or {}), f"pipeline {name}: {kind[:-1]} {comp} is not defined"
        assert p["receivers"] and p["exporters"], name
        assert p["processors"][0] == "memory_limiter" and "batch" in p["processors"], name
    for ext in cfg["service"].get("extensions", []):
        assert ext in cfg["extensions"], ext
    otlp = cfg["receivers"]["otlp"]["protocols"]
    assert otlp["grpc"]["endpoint"].endswith(":4317") and otlp["http"]["endpoint"].endswith(":4318")
    ex = cfg["exporters"]
    tempo = load("tempo.yaml")
    tempo_grpc = tempo["distributor"]["receivers"]["otlp"]["protocols"]["grpc"]["endpoint"].rsplit(":", 1)[1]
    (t,) = pipes["traces"]["exporters"]
    assert t.split("/")[0] == "otlp" and ex[t]["endpoint"] == f"tempo:{tempo_grpc}", ex[t]
    (m,) = pipes["metrics"]["exporters"]
    assert m == "prometheus" and ex[m]["enable_open_metrics"] is True, "OpenMetrics keeps the exemplars"
    assert "resource_to_telemetry_conversion" in ex[m]
    (lg,) = pipes["logs"]["exporters"]
    loki_port = load("loki.yaml")["server"]["http_listen_port"]
    assert lg.split("/")[0] == "otlphttp" and ex[lg]["endpoint"] == f"http://loki:{loki_port}/otlp", ex[lg]


def test_tempo_and_loki_configs():
    tempo = load("tempo.yaml")
    assert tempo["storage"]["trace"]["backend"] == "local"
    assert set(tempo["distributor"]["receivers"]["otlp"]["protocols"]) == {"grpc", "http"}
    rw = [w["url"] for w in tempo["metrics_generator"]["storage"]["remote_write"]]
    assert rw == ["http://prometheus:9090/api/v1/write"], rw
    assert "service-graphs" in tempo["overrides"]["defaults"]["metrics_generator"]["processors"]
    loki = load("loki.yaml")
    assert loki["auth_enabled"] is False
    assert loki["limits_config"]["allow_structured_metadata"] is True
    (schema,) = loki["schema_config"]["configs"]
    assert schema["store"] == "tsdb" and schema["schema"] == "v13" and schema["object_store"] == "filesystem"


def datasources():
    ds = load("grafana/provisioning/datasources/datasources.yaml")["datasources"]
    by_uid = {d["uid"]: d for d in ds}
    assert len(by_uid) == len(ds)
    return by_uid


def test_datasources_link_both_ways(live_scrape):
    # Grafana expands $VAR and ${VAR} from its environment in provisioning files: a Grafana link
    # variable must be written with $$, or it silently becomes an empty string.
    raw = (OBS / "grafana/provisioning/datasources/datasources.yaml").read_text()
    lone = [ln for ln in raw.splitlines() if not ln.lstrip().startswith("#") and "$" in ln.replace("$$", "")]
    assert not lone, f"unescaped $ (expanded from the environment by Grafana): {lone}"
    ds = datasources()
    assert {k: ds[v]["type"] for k, v in UIDS.items()} == {"prometheus": "prometheus", "tempo": "tempo",
                                                           "loki": "loki"}
    assert ds["prometheus"]["url"] == "http://prometheus:9090"
    assert ds["tempo"]["url"] == f"http://tempo:{load('tempo.yaml')['server']['http_listen_port']}"
    assert ds["loki"]["url"] == f"http://loki:{load('loki.yaml')['server']['http_listen_port']}"

    # metrics -> traces: the exemplar label the library really writes
    (dest,) = ds["prometheus"]["jsonData"]["exemplarTraceIdDestinations"]
    assert dest["datasourceUid"] == "tempo"
    ex = [e for n, _, _, e in samples(live_scrape["om"]) if e is not None and n.endswith("_bucket")]
    assert ex, "no exemplar in the OpenMetrics scrape"
    assert all(dest["name"] in labels and re.match(r"^[0-9a-f]{32}$", labels[dest["name"]]) for labels, _, _ in ex)

    tj = ds["tempo"]["jsonData"]
    # traces -> logs
    logs = tj["tracesToLogsV2"]
    assert logs["datasourceUid"] == "loki"
    assert "$${__trace.traceId}" in logs["query"] and "service_name" in logs["query"], logs
    # traces -> metrics, service map
    tm = tj["tracesToMetrics"]
    assert tm["datasourceUid"] == "prometheus"
    assert {"key": "service.name", "value": "job"} in tm["tags"]
    assert tm["queries"]
    assert tj["serviceMap"]["datasourceUid"] == "prometheus" and tj["nodeGraph"]["enabled"] is True

    # logs -> traces: structured metadata and plain lines
    fields = ds["loki"]["jsonData"]["derivedFields"]
    assert all(f["datasourceUid"] == "tempo" and f["url"] == "$${__value.raw}" for f in fields), fields
    assert any(f.get("matcherType") == "label" and f["matcherRegex"] == "trace_id" for f in fields)
    regexes = [re.compile(f["matcherRegex"]) for f in fields if f.get("matcherType", "regex") == "regex"]
    for line in (f"level=info trace_id={TRACE} msg=hi", f'{{"traceId":"{TRACE}"}}', f"traceid: {TRACE}",
                 f"GET / traceparent=00-{TRACE}-00f067aa0ba902b7-01"):
        assert any((m := r.search(line)) and m.group(1) == TRACE for r in regexes), line


def test_logs_pipeline_to_loki_and_back():
    """The library's log records: OTLP/HTTP into the collector (the receiver its traces use), the
    logs pipeline into Loki's native OTLP endpoint (no Promtail), trace ids kept as structured
    metadata and levels detected there; Grafana links a span to its logs and a line to its trace."""
    cfg = load("otel-collector.yaml")
    logs = cfg["service"]["pipelines"]["logs"]
    assert logs["receivers"] == cfg["service"]["pipelines"]["traces"]["receivers"] == ["otlp"]
    assert "http" in cfg["receivers"]["otlp"]["protocols"]
    for kind in ("receivers", "processors", "exporters"):
        assert all(c in cfg[kind] for c in logs[kind]), (kind, logs[kind])
    (exp,) = logs["exporters"]
    assert exp.split("/")[0] == "otlphttp", "Loki 3 takes OTLP itself: no loki exporter, no Promtail"
    loki_port = load("loki.yaml")["server"]["http_listen_port"]
    assert cfg["exporters"][exp]["endpoint"] == f"http://loki:{loki_port}/otlp"
    compose = load("docker-compose.yml")["services"]
    assert "promtail" not in compose and "loki" in compose["otel-collector"]["depends_on"]
    limits = load("loki.yaml")["limits_config"]
    assert limits["allow_structured_metadata"] is True, "trace_id/span_id/severity are structured metadata"
    assert limits["discover_log_levels"] is True, "detected_level: the dashboard's error log panels use it"
    ds = datasources()
    to_logs = ds["tempo"]["jsonData"]["tracesToLogsV2"]
    assert to_logs["datasourceUid"] == "loki" and to_logs["customQuery"] is True
    # the stream by the label Loki makes of service.name, then the trace id structured metadata
    assert re.fullmatch(r'\{service_name="\$\$\{__span\.tags\["service\.name"\]\}"\} \| '
                        r'trace_id="\$\$\{__trace\.traceId\}"', to_logs["query"]), to_logs["query"]
    fields = ds["loki"]["jsonData"]["derivedFields"]
    (by_label,) = [f for f in fields if f.get("matcherType") == "label"]
    assert by_label["matcherRegex"] == "trace_id" and by_label["datasourceUid"] == "tempo"


# LogQL: {selector} | detected_level=~"..." or severity_text=~"..."
LEVEL_FILTER = re.compile(r'\| detected_level=~"([^"]+)" or severity_text=~"([^"]+)"')


def error_level_filter(expr):
    m = LEVEL_FILTER.search(expr)
    assert m, expr
    # Loki anchors regex matchers; a Go string literal in the query: \\ is one backslash
    return [re.compile(g.replace("\\\\", "\\")) for g in m.groups()]


def test_dashboard_error_logs_per_service():
    loki = [(p, t) for p in all_panels(dashboard()) for t in p.get("targets", [])
            if t.get("datasource", p.get("datasource", {})).get("uid") == "loki"]
    for p, t in loki:   # every Loki query selects streams by the service variable
        assert re.match(r'(sum by \(service_name\) \(count_over_time\()?\{service_name=~"\$\{service:regex\}"\}',
                        t["expr"]), (p["title"], t["expr"])
    (per_service,) = [(p, t) for p, t in loki if p["type"] == "timeseries"]
    p, t = per_service
    assert "error" in p["title"].lower() and "{{service_name}}" in t["legendFormat"]
    assert re.fullmatch(r"sum by \(service_name\) \(count_over_time\(.+ \[\$__auto\]\)\)", t["expr"]), t["expr"]
    detected, severity = error_level_filter(t["expr"])
    for level in ("error", "critical", "fatal"):
        assert detected.fullmatch(level), level
    for level in ("info", "warn", "debug", "unknown", "trace"):
        assert not detected.fullmatch(level), level
    # severity_text as the library and common loggers write it
    for text in ("ERROR", "error", "Error", "ERROR2", "FATAL", "CRITICAL", "crit", "err", "EMERG", "alert"):
        assert severity.fullmatch(text), text
    for text in ("INFO", "WARN", "WARNING", "notice", "DEBUG", "TRACE", "", "errors"):
        assert not severity.fullmatch(text), text
    # the lines themselves, next to the counts, with the same filter
    lines = [(q, u) for q, u in loki if q["type"] == "logs" and LEVEL_FILTER.search(u["expr"])]
    assert lines and lines[0][1]["expr"] in t["expr"], [u["expr"] for _, u in lines]


def test_tempo_trace_to_metrics_queries_use_emitted_names(scraped):
    for q in datasources()["tempo"]["jsonData"]["tracesToMetrics"]["queries"]:
        assert "{$$__tags}" in q["query"], q
        check_promql(q["query"].replace("$$__tags", 'job="im-logic"'), scraped, where=q["name"])


# ---------------------------------------------------------------------------------------------
# the dashboard

def dashboard():
    return json.loads((OBS / "grafana/dashboards/genesis-red.json").read_text())


def all_panels(d):
    for p in d["panels"]:
        yield p
        yield from p.get("panels", [])


def test_dashboard_structure():
    d = dashboard()
    assert d["uid"] and d["title"]
    panels = list(all_panels(d))
    ids = [p["id"] for p in panels]
    assert len(ids) == len(set(ids)), f"duplicate panel ids: {ids}"
    uids = set(datasources())
    for p in panels:
        if p["type"] in ("row", "text"):
            continue
        assert p["datasource"]["uid"] in uids, p["title"]
        assert p["targets"], p["title"]
        for t in p["targets"]:
            assert t.get("datasource", p["datasource"])["uid"] in uids, (p["title"], t)
    (var,) = [v for v in d["templating"]["list"] if v["name"] == "service"]
    assert var["datasource"]["uid"] == "prometheus"
    # The library's series carry no service_name (only target_info does): the service is the
    # scrape job (prometheus.yml) or, through the collector's exporter, job = service.name.
    assert re.fullmatch(r"label_values\(\w+,\s*job\)", var["query"]), var["query"]
    jobs = {j["job_name"] for j in load("prometheus.yml")["scrape_configs"]}
    assert set(IM_PORTS) <= jobs


def test_dashboard_promql_uses_only_emitted_names(scraped):
    """Each metric name (and label name) of the dashboard's PromQL appears in the live scrape."""
    assert "service_name" not in set().union(*(v for k, v in scraped.items() if k != "target_info")), \
        "service_name is on the series now: the dashboard could select by it"
    d = dashboard()
    used, latency = set(), 0
    for p in all_panels(d):
        for t in p.get("targets", []):
            if t.get("datasource", p.get("datasource", {})).get("uid") != "prometheus":
                continue
            used |= check_promql(t["expr"], scraped, t.get("legendFormat", ""), where=p["title"])
            if "histogram_quantile" in t["expr"]:
                latency += 1
                assert t.get("exemplar") is True, f"{p['title']}: exemplars off on a latency query"
    (var,) = [v for v in d["templating"]["list"] if v["name"] == "service"]
    metric = re.match(r"label_values\((\w+)", var["query"]).group(1)
    assert metric in scraped
    used.add(metric)
    assert latency >= 4
    for family in ("http_server_request_duration_seconds_bucket", "http_server_request_duration_seconds_count",
                   "http_client_request_duration_seconds_bucket", "db_client_operation_duration_seconds_bucket",
                   "genesis_network_connect_duration_seconds_bucket", "genesis_sdk_spans_dropped_total",
                   "genesis_sdk_export_failures_total", "http_server_active_requests"):
        assert family in used, f"the dashboard has no panel on {family}"
    print("metric names used by the dashboard:", " ".join(sorted(used)))

"""OTEL_METRICS_EXPORTER=console prints the metric points: one JSON object per data point, per
line, where the console span exporter writes (GENESIS_CONSOLE_FILE, else stderr), every
OTEL_METRIC_EXPORT_INTERVAL ms and at exit.

- redis-cli under the library: at exit, db.client.operation.duration points per command with
  counts equal to the commands sent, the connect histogram, and counters, all parseable JSON
  with the resource; the program's own output unchanged;
- a Python client that waits after its commands sees points in the file before it exits
  (the interval), and the points only grow;
- without GENESIS_CONSOLE_FILE the lines go to stderr."""
import json
import subprocess

from conftest import LIB, PY, clean_env, tool


def metric_lines(data):
    out = []
    for line in data.splitlines():
        rec = json.loads(line)
        if rec.get("type") == "metric":
            out.append(rec)
    return out


def test_points_at_exit_in_the_console_file(gen, redis_server, tmp_path):
    env = {"OTEL_METRICS_EXPORTER": "console", "OTEL_TRACES_EXPORTER": "none"}
    argv = [tool("redis-cli"), "-p", str(redis_server.port)]
    bare, pre = gen.compare(argv, env=env, input=b"SET a 1\nGET a\nGET a\nSET console:c 5\nINCR console:c\n")
    assert pre.stdout == b"OK\n1\n1\nOK\n6\n", pre.describe()
    pts = metric_lines((pre.outdir / f"spans-{pre.pid}.jsonl").read_bytes())
    assert pts, pre.describe()
    db = {p["attributes"]["db.operation.name"]: p for p in pts if p["name"] == "db.client.operation.duration"}
    assert db["SET"]["count"] == 2 and db["GET"]["count"] == 2 and db["INCR"]["count"] == 1, db
    for p in db.values():
        assert p["kind"] == "histogram" and p["unit"] == "s"
        assert p["attributes"]["db.system.name"] == "redis"
        assert p["attributes"]["server.port"] == redis_server.port
        assert len(p["bucket_counts"]) == len(p["explicit_bounds"]) + 1
        assert sum(p["bucket_counts"]) == p["count"]
        assert 0 <= p["min"] <= p["max"] and p["sum"] > 0
        assert p["time_unix_nano"] >= p["start_time_unix_nano"] > 0
        assert p["resource"]["process.pid"] == pre.pid
    conn = [p for p in pts if p["name"] == "genesis.network.connect.duration"]
    assert len(conn) == 1 and conn[0]["count"] == 1, conn
    io = [p for p in pts if p["name"] == "genesis.network.io"]
    assert io and all(p["kind"] == "sum" and p["monotonic"] is True and p["value"] > 0 for p in io), io


CLIENT = """
import json, socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
for i in range(3):
    s.sendall(b"*1\\r\\n$4\\r\\nPING\\r\\n")
    assert s.recv(100) == b"+PONG\\r\\n"
time.sleep(1.0)
seen = [json.loads(l) for l in open(sys.argv[2], "rb").read().splitlines()]
pings = [p["count"] for p in seen if p.get("type") == "metric"
         and p["name"] == "db.client.operation.duration"]
print("before exit:", pings)
"""


def test_points_every_interval(gen, redis_server, tmp_path):
    out = tmp_path / "console.jsonl"
    env = {"OTEL_METRICS_EXPORTER": "console", "OTEL_TRACES_EXPORTER": "none",
           "OTEL_METRIC_EXPORT_INTERVAL": "200", "GENESIS_CONSOLE_FILE": str(out)}
    pre = gen.run([PY, "-c", CLIENT, str(redis_server.port), str(out)], env=env)
    assert pre.rc == 0, pre.describe()
    line = pre.stdout.decode().strip()
    assert line.startswith("before exit: [3"), line       # printed at least once, all 3 PINGs
    pts = [p for p in metric_lines(out.read_bytes()) if p["name"] == "db.client.operation.duration"]
    assert len(pts) >= 3 and all(p["count"] == 3 for p in pts), pts   # intervals, then at exit


def test_points_on_stderr_without_a_file(redis_server):
    env = clean_env({"OTEL_METRICS_EXPORTER": "console", "OTEL_TRACES_EXPORTER": "none", "LD_PRELOAD": str(LIB)})
    pre = subprocess.run([tool("redis-cli"), "-p", str(redis_server.port), "PING"], env=env,
                         capture_output=True, timeout=30)
    assert pre.returncode == 0 and pre.stdout == b"PONG\n", pre
    pts = metric_lines(pre.stderr)
    names = {p["name"] for p in pts}
    assert "db.client.operation.duration" in names and "genesis.network.connect.duration" in names, names

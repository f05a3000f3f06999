"""More connections carrying a protocol than the 4096 parser states: the extra ones are simply
not followed, the program sees no difference, and the loss is counted in the self-metric
genesis.sdk.connections.unparsed (read from the process's own Prometheus endpoint)."""
import re

from conftest import PY, free_port

N = 4200
SCRIPT = r"""
import re, resource, socket, sys, urllib.request
resource.setrlimit(resource.RLIMIT_NOFILE, (12000, 12000))     # 2 fds per connection
l = socket.socket(); l.bind(("127.0.0.1", 0)); l.listen(64)
port = l.getsockname()[1]
pairs = []
for i in range(int(sys.argv[1])):
    c = socket.create_connection(("127.0.0.1", port))
    s, _ = l.accept()
    c.sendall(b"GET /x HTTP/1.1\r\nHost: a\r\n")     # an HTTP client: the library wants a parser
    pairs.append((c, s))
for c, s in pairs:
    assert s.recv(100).startswith(b"GET /x")
    c.close(); s.close()
print("connections", len(pairs))
body = urllib.request.urlopen("http://127.0.0.1:%s/metrics" % sys.argv[2]).read().decode()
print("\n".join(l for l in body.splitlines() if l.startswith("genesis_sdk_")))
"""


def test_unparsed_connections_are_counted(gen):
    prom = free_port()
    res = gen.run([PY, "-c", SCRIPT, str(N), str(prom)], timeout=120,
                  env={"OTEL_METRICS_EXPORTER": "prometheus", "OTEL_EXPORTER_PROMETHEUS_PORT": str(prom),
                       "OTEL_TRACES_EXPORTER": "none"})
    out = res.stdout.decode()
    assert res.rc == 0 and f"connections {N}" in out, res.describe()
    m = re.search(r"^genesis_sdk_connections_unparsed_total(?:\{[^}]*\})? (\d+)", out, re.M)
    assert m, out
    assert N - 4096 <= int(m.group(1)) <= N, out
    m = re.search(r"^genesis_sdk_metric_observations_dropped_total(?:\{[^}]*\})? (\d+)", out, re.M)
    assert m and int(m.group(1)) == 0, out

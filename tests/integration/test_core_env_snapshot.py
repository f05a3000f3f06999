"""The library reads its environment before main(): a program that changes GENESIS_HTTP_ROUTES or
GENESIS_REDIS_ARGS while it runs (setenv, os.environ) changes nothing — and the library's threads
never call getenv() while the program's threads may be calling setenv()."""
import json

from conftest import PY, free_port

SCRIPT = r"""
import os, socket, sys, threading, urllib.request
from http.server import BaseHTTPRequestHandler, HTTPServer

os.environ["GENESIS_HTTP_ROUTES"] = "/other/{x}"       # too late: read before main
os.environ["GENESIS_REDIS_ARGS"] = "all"

class H(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200); self.send_header("Content-Length", "2"); self.end_headers()
        self.wfile.write(b"ok")
    def log_message(self, *a):
        pass

srv = HTTPServer(("127.0.0.1", int(sys.argv[1])), H)
t = threading.Thread(target=srv.handle_request); t.start()
urllib.request.urlopen("http://127.0.0.1:%s/users/42" % sys.argv[1]).read()
t.join(); srv.server_close()

s = socket.create_connection(("127.0.0.1", int(sys.argv[2])))
s.sendall(b"*3\r\n$3\r\nSET\r\n$12\r\ngenesis:snap\r\n$11\r\nvalue-seen?\r\n")
assert s.recv(100) == b"+OK\r\n"
s.close()
"""


def test_late_setenv_changes_nothing(gen, redis_server):
    res = gen.run([PY, "-c", SCRIPT, str(free_port()), str(redis_server.port)],
                  env={"GENESIS_HTTP_ROUTES": "/users/{id}"})
    assert res.rc == 0, res.describe()
    server = [s for s in res.spans if s["kind"] == "SERVER"]
    assert len(server) == 1, res.describe()
    assert server[0]["attributes"].get("http.route") == "/users/{id}", json.dumps(server[0])
    assert server[0]["name"] == "GET /users/{id}"
    sets = [s for s in res.spans if s["attributes"].get("db.operation.name") == "SET"]
    assert len(sets) == 1, res.describe()
    text = sets[0]["attributes"]["db.query.text"]
    assert "genesis:snap" in text and "value-seen?" not in text, text     # keys mode, not "all"

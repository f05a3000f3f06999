"""An HTTP server whose handler logs with Python logging to stderr (default format) and writes
one JSON line to stdout, both while serving the request."""
import json
import logging
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer

logging.basicConfig(level=logging.INFO)   # stderr, "LEVEL:name:message"
log = logging.getLogger("app")


class H(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        log.error("handling %s failed once", self.path)
        sys.stdout.write(json.dumps({"level": "info", "msg": "served", "path": self.path}) + "\n")
        sys.stdout.flush()
        body = b"ok\n"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()

"""An HTTP server for the tests that look at what a program under the library sends: it runs in
the test's own process (never under the library), answers every GET with 200 and an empty body,
and keeps each request's head (header names lower-cased)."""
import http.server
import threading


class Recorder:
    """An HTTP server on 127.0.0.1 (in this process, not under the library) that keeps the
    head of every request it answers."""

    def __init__(self):
        heads = self.heads = []

        class H(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_GET(self):
                heads.append({k.lower(): v for k, v in self.headers.items()})
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.send_header("Connection", "close")
                self.end_headers()

        self.srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.port = self.srv.server_address[1]
        self.thread = threading.Thread(target=self.srv.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.srv.shutdown()
        self.srv.server_close()

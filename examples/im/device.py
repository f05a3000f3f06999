#!/usr/bin/python3
"""examples/im/device.py — a tiny stand-in for a phone in the IM example.

im-comet POSTs each message for the user to this device's /push; the device prints it.

    python3 device.py --port 9101 --name bob

GET /healthz answers {"ok":true}. Binds 127.0.0.1 only. SIGTERM/SIGINT end it with a normal
exit (status 0). Standard library only.
"""
import argparse
import json
import signal
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer

MAX_BODY = 1024 * 1024


class DeviceHandler(BaseHTTPRequestHandler):
    server_version = "im-device/1.0"
    name = "device"

    def _answer(self, code, obj):
        body = json.dumps(obj, separators=(",", ":")).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path == "/healthz":
            self._answer(200, {"ok": True})
        else:
            self._answer(404, {"error": "not found"})

    def do_POST(self):
        if self.path.split("?", 1)[0] != "/push":
            self._answer(404, {"error": "not found"})
            return
        try:
            length = int(self.headers.get("Content-Length", "0"))
        except ValueError:
            length = -1
        if length < 0 or length > MAX_BODY:
            self._answer(400, {"error": "bad Content-Length"})
            return
        body = self.rfile.read(length).decode("utf-8", "replace")
        print(f"device {self.name} got: {body}", flush=True)
        self._answer(200, {"ok": True})

    def log_message(self, fmt, *args):
        sys.stderr.write(f"device {self.name}: {fmt % args}\n")


def main():
    ap = argparse.ArgumentParser(description="A tiny IM device: prints what im-comet pushes.")
    ap.add_argument("--port", type=int, required=True, help="port to listen on (127.0.0.1)")
    ap.add_argument("--name", default="device", help="the user this device belongs to")
    args = ap.parse_args()

    def stop(signum, frame):
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    DeviceHandler.name = args.name
    try:
        server = HTTPServer(("127.0.0.1", args.port), DeviceHandler)
    except OSError as e:
        print(f"device: cannot listen on 127.0.0.1:{args.port}: {e}", file=sys.stderr)
        return 1
    print(f"device: listening on 127.0.0.1:{server.server_address[1]}", file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Client spans end when the response ends: after the last chunk of a chunked response (not
when the connection is closed later), and at the end of the stream for a response delimited
by the connection close. A bare scripted server records when it sent the last bytes."""
import socket
import threading
import time

from conftest import assert_same_behaviour, prog
from test_http_support import http_spans


class Scripted:
    """Answers one request per connection with `parts` (bytes, or a float = sleep seconds),
    then closes if close=True; notes the time just before the last part goes out."""

    def __init__(self, parts, close):
        self.parts, self.close = parts, close
        self.last_ns = []
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(4)
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            with c:
                buf = b""
                while b"\r\n\r\n" not in buf:
                    buf += c.recv(4096)
                for i, p in enumerate(self.parts):
                    if isinstance(p, float):
                        time.sleep(p)
                        continue
                    if i == len(self.parts) - 1:
                        self.last_ns.append(time.time_ns())
                    c.sendall(p)
                if not self.close:
                    c.recv(4096)            # wait for the client to close
                else:
                    c.shutdown(socket.SHUT_WR)


def run(gen, srv, wait_ms):
    argv = [prog("http_client"), str(srv.port), "whole", "1", "/t", "", str(wait_ms)]
    bare = gen.run(argv, preload=False)
    pre = gen.run(argv)
    assert_same_behaviour(bare, pre)
    (span,) = http_spans(pre.spans, "CLIENT")
    return pre, span, srv.last_ns[-1]


def test_chunked_ends_with_last_chunk(gen):
    srv = Scripted([b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n", 0.3,
                    b"6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n"], close=False)
    pre, span, last_ns = run(gen, srv, 600)
    assert pre.stdout.decode().startswith("w ") and "resp 200 11" in pre.stdout.decode()
    end = span["end_time_unix_nano"]
    assert end >= last_ns, "ended before the last chunk was sent"
    assert end < last_ns + 300_000_000, "ended at close (600 ms later), not with the last chunk"
    assert span["end_time_unix_nano"] - span["start_time_unix_nano"] >= 250_000_000
    assert span["attributes"]["http.response.body.size"] == 11
    assert span["status"]["code"] == "UNSET"


def test_read_until_close_ends_at_end_of_stream(gen):
    srv = Scripted([b"HTTP/1.0 200 OK\r\nServer: s\r\n\r\nhello", 0.3, b" world"], close=True)
    pre, span, last_ns = run(gen, srv, 0)
    assert "resp 200 11" in pre.stdout.decode()
    end = span["end_time_unix_nano"]
    assert last_ns <= end < last_ns + 300_000_000
    assert span["attributes"]["http.response.body.size"] == 11
    assert span["attributes"]["network.protocol.version"] == "1.0"
    assert span["status"]["code"] == "UNSET" and "error.type" not in span["attributes"]


def test_close_before_response_is_an_error(gen):
    srv = Scripted([b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort"], close=True)
    argv = [prog("http_client"), str(srv.port), "whole", "1", "/t"]
    bare = gen.run(argv, preload=False)
    pre = gen.run(argv)
    assert_same_behaviour(bare, pre)
    (span,) = http_spans(pre.spans, "CLIENT")
    assert span["status"]["code"] == "ERROR"
    assert span["attributes"]["error.type"] == "connection_closed"
    assert span["attributes"]["http.response.status_code"] == 200

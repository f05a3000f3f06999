"""node (which carries its own OpenSSL) runs unchanged under the library."""
from conftest import assert_span_shape, assert_tcp_connect_span, tool

SCRIPT = r"""
const http = require('http');
const crypto = require('crypto');
// node's own OpenSSL must keep working next to the library's libraries
console.log(crypto.createHash('sha256').update('genesis').digest('hex'));
console.log(crypto.createHmac('sha1', 'k').update('v').digest('base64'));
http.get(process.argv[1], (res) => {
  let body = '';
  res.setEncoding('utf8');
  res.on('data', (d) => { body += d; });
  res.on('end', () => { console.log(res.statusCode, JSON.stringify(body)); });
}).on('error', (e) => { console.error('error', e.code); process.exit(3); });
"""


def test_node_http_get(gen, http_server):
    argv = [tool("node"), "-e", SCRIPT, http_server.url("/hello.txt")]
    bare, pre = gen.compare(argv)
    lines = pre.stdout.decode().splitlines()
    assert lines[-1] == '200 "hello from genesis-auto\\n"', pre.stdout

    spans = pre.spans_named(f"connect 127.0.0.1:{http_server.port}")
    assert len(spans) == 1, pre.describe()
    assert_span_shape(spans[0], pre)
    assert_tcp_connect_span(spans[0], http_server.port)
    res = spans[0]["resource"]
    assert res["process.pid"] == pre.pid, res
    assert res["process.executable.name"] == "node", res

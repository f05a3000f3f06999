"""The NATS parser, injector, libnats hooks and exporter-side decoding under AddressSanitizer +
UBSan (`make asan`): libnats publishers and subscribers (plain, queue group, request/reply, large
and batched messages), a raw-socket subscriber, no sanitizer report, the spans still linked."""
import os
import subprocess

from conftest import PY, tool
from nats_common import Background, assert_linked, nats_client, nats_server, nats_spans  # noqa: F401
from test_core_asan import ENV, SAN_ERRORS, asan_preload  # noqa: F401  (module fixture)
from nats_common import RAW_SUB
from test_nats_wire import HEADERS
from test_nats_connect_rewrite import NO_HEADERS, RAW_PUB as RAW_PUB_NH


def _clean(stderr):
    for marker in SAN_ERRORS:
        assert marker not in stderr, f"sanitizer report:\n{stderr.decode(errors='replace')[-6000:]}"


def _bg(gen, preload, name, argv):
    bg = Background(gen.tmp, name, argv, preload=False, env=dict(ENV, LD_PRELOAD=preload))
    return bg


def _run(gen, preload, argv):
    res = gen.run([tool("timeout"), "120"] + argv, ld_preload=preload, env=ENV, timeout=150)
    _clean(res.stderr)
    assert res.rc == 0, res.describe()
    return res


def test_nats_under_asan(gen, nats_server, asan_preload):
    url, port = nats_server.nats_url, nats_server.port
    subs = [_bg(gen, asan_preload, "asub", nats_client("sub", url, "gen.asan", 60)),
            _bg(gen, asan_preload, "araw", [PY, "-c", RAW_SUB, str(port), "gen.asan", "60", HEADERS])]
    pub = _run(gen, asan_preload, nats_client("pub", url, "gen.asan", 20))
    _run(gen, asan_preload, nats_client("pub", url, "gen.asan", 20, 70000))
    _run(gen, asan_preload, nats_client("pub", url, "gen.asan", 20, 0, 5))
    for s in subs:
        s.wait()
        _clean(s.stderr)
        assert s.rc == 0, s.stderr
    assert subs[0].stdout.count(b"got gen.asan-") == 60
    assert subs[1].stdout.count(b"HMSG gen.asan 1 82 ") == 60
    assert_linked(nats_spans(subs[0].spans, "CONSUMER")[:20], nats_spans(pub.spans, "PRODUCER")
                  + nats_spans(subs[0].spans, "PRODUCER"))
    srv = _bg(gen, asan_preload, "aserve", nats_client("serve", url, "gen.arpc", 5))
    req = _run(gen, asan_preload, nats_client("req", url, "gen.arpc", 5))
    srv.wait()
    _clean(srv.stderr)
    assert req.stdout.count(b"reply re:q-") == 5


def test_nats_connect_rewrite_under_asan(gen, nats_server, asan_preload):
    """A client without headers: its CONNECT rewritten, HMSG stripped across 7-byte and
    non-blocking reads, a publisher injected — no sanitizer report, spans linked."""
    url, port = nats_server.nats_url, nats_server.port
    subs = [_bg(gen, asan_preload, f"anh{i}", [PY, "-c", RAW_SUB, str(port), "gen.anh", "40", NO_HEADERS,
                                               size, mode])
            for i, (size, mode) in enumerate((("7", "block"), ("50", "nb"), ("65536", "block")))]
    pub = _run(gen, asan_preload, nats_client("pub", url, "gen.anh", 20, 300))
    raw = _run(gen, asan_preload, [PY, "-c", RAW_PUB_NH, str(port), NO_HEADERS,
                                   "PUB gen.anh 5\\r\\nhello\\r\\n" * 20])
    assert raw.stdout == b"sent\n"
    for s in subs:
        s.wait()
        _clean(s.stderr)
        assert s.rc == 0, s.stderr
        assert s.stdout.count(b"MSG gen.anh 1 ") == 40 and b"NATS/1.0" not in s.stdout
        assert_linked(nats_spans(s.spans, "CONSUMER"), nats_spans(pub.spans, "PRODUCER") +
                      nats_spans(raw.spans, "PRODUCER"))

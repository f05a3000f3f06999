"""Libraries loaded with dlopen(RTLD_DEEPBIND) still reach the hooks (hooks/dl.c, preload/got.c).

- tests/progs/deepbind_curl loads libcurl with RTLD_DEEPBIND (as PHP's curl extension does) and
  GETs a capturing server: a connect span, an HTTP client span, and exactly one injected
  `traceparent` carrying that span's ids; the program's output is unchanged.
- With OTLP export the library loads the same libcurl for itself, before or after the program
  does: the program's spans arrive in genesis-view, the exporter's own connections never appear.
- tests/progs/deepbind_plugin loads a lazily bound plugin with RTLD_DEEPBIND on 4 threads at once,
  connects through it and dlclose()s it, 5 times each: one connect span per connect, no crash, the
  plugin still gets its dependency's ga_who() (not the program's), and the plugin is found by a
  bare name through the program's RUNPATH and through $ORIGIN as without the library.
- dlmopen() into a new namespace, and an object whose relocation pages cannot be opened (a
  seccomp filter refusing mprotect with PROT_WRITE): said once on stderr, nothing else changes.
"""
import re
import socket
import subprocess

import pytest

from conftest import BUILD, assert_same_behaviour, assert_span_shape, assert_tcp_connect_span, prog
from test_http_support import Capture, http_spans, strip_injected
from test_otlp_support import assert_collector_unobserved, view  # noqa: F401  (fixture)


@pytest.fixture
def sink():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(4096)
    yield s.getsockname()[1]
    s.close()


def test_deepbind_libcurl_is_observed(gen):
    cap = Capture()
    try:
        argv = [prog("deepbind_curl"), f"http://127.0.0.1:{cap.port}/deep?x=1"]
        bare = gen.run(argv, preload=False)
        pre = gen.run(argv)
    finally:
        cap.close()
    assert bare.rc == 0 and bare.stdout.endswith(b"ok\nresult 0 status 200\n"), bare.describe()
    assert_same_behaviour(bare, pre)
    assert len(cap.conns) == 2, cap.conns
    bare_wire, pre_wire = bytes(cap.conns[0]), bytes(cap.conns[1])
    rest, ids = strip_injected(pre_wire, 1)
    assert rest == bare_wire

    (conn,) = pre.connect_spans()
    assert_span_shape(conn, pre)
    assert_tcp_connect_span(conn, cap.port)
    (client,) = http_spans(pre.spans, "CLIENT")
    assert_span_shape(client, pre)
    assert client["name"] == "GET" and client["attributes"]["http.response.status_code"] == 200, client
    assert client["attributes"]["url.full"] == f"http://127.0.0.1:{cap.port}/deep?x=1", client
    assert ids == [(client["trace_id"], client["span_id"])]


@pytest.mark.parametrize("order", ["program-first", "exporter-first"])
def test_exporter_libcurl_stays_unobserved(gen, view, sink, order):  # noqa: F811
    """The exporter's libcurl (RTLD_DEEPBIND too, and the same object as the program's) is never
    observed, whichever of the two loads it first; the program's spans are exported."""
    v = view()
    cap = Capture()
    try:
        env = {"OTEL_TRACES_EXPORTER": "otlp,console", "OTEL_EXPORTER_OTLP_ENDPOINT": v.url(),
               "OTEL_BSP_SCHEDULE_DELAY": "50", "GENESIS_EXIT_FLUSH_MS": "3000"}
        argv = [prog("deepbind_curl"), f"http://127.0.0.1:{cap.port}/x", "libcurl.so.4", "3"]
        if order == "exporter-first":   # a first connect starts the exporter, which loads libcurl first
            argv.append(str(sink))
        pre = gen.run(argv, env=env)
    finally:
        cap.close()
    assert pre.rc == 0 and pre.stdout.count(b"result 0 status 200") == 3, pre.describe()
    recs = v.records(want=6, timeout=10)
    spans = [r for r in recs if r.get("signal") == "span"]
    clients = [s for s in spans if s["kind"] == "CLIENT" and s["attributes"].get("http.request.method") == "GET"]
    assert len(clients) == 3, spans
    assert len([s for s in spans if s["name"] == f"connect 127.0.0.1:{cap.port}"]) == 3, spans
    assert len([s for s in spans if s["name"] == f"connect 127.0.0.1:{sink}"]) == (order == "exporter-first")
    assert_collector_unobserved(spans, v.port)
    assert_collector_unobserved(pre.spans, v.port)


@pytest.mark.parametrize("mode", ["bare", "origin", "path"])
def test_deepbind_plugin_threads_and_dlclose(gen, sink, mode):
    argv = [prog("deepbind_plugin"), mode, str(sink), "5", "4"]
    bare, pre = gen.compare(argv)
    assert pre.stdout == b"who dependency connects 20 ok 20\n", pre.describe()
    spans = pre.connect_spans()
    assert len(spans) == 20, pre.describe()
    for s in spans:
        assert_span_shape(s, pre)
        assert_tcp_connect_span(s, sink)


def test_plugin_without_library_loads_nothing_new(gen, sink):
    """Bare, the plugin's connects are only the program's business: no span file, same output."""
    res = gen.run([prog("deepbind_plugin"), "path", str(sink), "1", "1"], preload=False)
    assert res.rc == 0 and res.stdout == b"who dependency connects 1 ok 1\n", res.describe()


DLMOPEN = r"""
import ctypes, sys
libc = ctypes.CDLL(None)
libc.dlmopen.restype = ctypes.c_void_p
libc.dlmopen.argtypes = [ctypes.c_long, ctypes.c_char_p, ctypes.c_int]
LM_ID_NEWLM, RTLD_NOW = -1, 2
for _ in range(2):
    h = libc.dlmopen(LM_ID_NEWLM, b"libz.so.1", RTLD_NOW)
    print("loaded" if h else "failed")
"""


def test_dlmopen_new_namespace_said_once(gen):
    argv = ["/usr/bin/python3", "-c", DLMOPEN]
    bare = gen.run(argv, preload=False)
    pre = gen.run(argv)
    assert bare.rc == pre.rc == 0, pre.describe()
    assert bare.stdout == pre.stdout == b"loaded\nloaded\n", pre.describe()
    lines = pre.stderr.decode().splitlines()
    said = [l for l in lines if l.startswith("genesis: ")]
    assert said == ["genesis: a library was loaded with dlmopen() into a namespace of its own: its calls go to "
                    "its own libc and are not observed"], pre.stderr
    assert [l for l in lines if not l.startswith("genesis: ")] == bare.stderr.decode().splitlines()


def test_plugin_build_has_lazy_slots():
    """The plugin really is lazily bound and found only through the RUNPATH (else the tests above
    would not test what they claim)."""
    plug = BUILD / "tests" / "progs" / "plug" / "libga_dlplug.so"
    dyn = subprocess.run(["readelf", "-dW", str(plug)], capture_output=True, text=True, check=True).stdout
    assert "BIND_NOW" not in dyn and "FLAGS_1" not in dyn, dyn
    exe = subprocess.run(["readelf", "-dW", prog("deepbind_plugin")], capture_output=True, text=True, check=True).stdout
    assert "(RUNPATH)" in exe and "$ORIGIN/plug" in exe, exe


def test_unredirectable_object_said_once(gen):
    argv = [prog("deepbind_seccomp")]
    bare = gen.run(argv, preload=False)
    pre = gen.run(argv)
    assert bare.rc == pre.rc == 0 and bare.stdout == pre.stdout == b"loaded\n", pre.describe()
    assert bare.stderr == b""
    lines = pre.stderr.decode().splitlines()
    assert len(lines) == 1, lines
    assert re.fullmatch(r"genesis: cannot make \S*libcurl\.so\.4 \(loaded with RTLD_DEEPBIND\) call the library's "
                        r"hooks: its read-only relocations could not be made writable; its connections are not "
                        r"observed", lines[0]), lines

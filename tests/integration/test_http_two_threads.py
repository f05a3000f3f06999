"""One HTTP connection, two threads: tests/progs/split_client writes each request on its main
thread and reads the answer on a reader thread, as Java's HttpClient does. A shim loaded after
the library (tests/progs/shim/libslow_write.so) holds the writer for SLOW_WRITE_MS after its
real call, before the library's hook records the request, so the answer is always read first:
the race of docs/limits.md ("One connection, two threads"), made certain. The reader must wait
for the record (at most GENESIS_HTTP_AWAIT_MS, 10 ms by default): every request gets its own CLIENT span with its own path and
status, none ends as `connection_closed`. (Before the wait: four spans and one
`connection_closed` for five requests.)"""
from conftest import BUILD, LIB, prog
from test_http_support import Capture, http_spans

SHIM = BUILD / "tests" / "progs" / "shim" / "libslow_write.so"


def run(gen, count, slow_ms, env_pre=None):
    assert SHIM.is_file(), f"{SHIM} is missing: build it with `make` (mk/integration.mk)"
    cap = Capture()
    try:
        env = {"SLOW_WRITE_MS": str(slow_ms)}
        bare = gen.run([prog("split_client"), str(cap.port), str(count)], preload=False, env=env)
        pre = gen.run([prog("split_client"), str(cap.port), str(count)], env={**env, **(env_pre or {})},
                      ld_preload=f"{LIB}:{SHIM}")
    finally:
        cap.close()
    assert bare.rc == 0 and pre.rc == 0, pre.describe()
    assert pre.stdout == bare.stdout == (f"answers {count}\n" + "HTTP/1.1 200 OK\n" * count).encode()
    return pre


def test_answer_read_before_the_request_is_recorded(gen):
    pre = run(gen, 5, 2)
    spans = http_spans(pre.spans, "CLIENT")
    assert sorted(s["attributes"]["url.full"].rsplit("/", 1)[1] for s in spans) == \
        [str(i) for i in range(5)], pre.describe()
    for s in spans:
        assert "error.type" not in s["attributes"], s
        assert s["attributes"]["http.response.status_code"] == 200, s
        assert s["end_time_unix_nano"] - s["start_time_unix_nano"] >= 1_000_000, s   # the held write


def test_writer_held_longer_than_the_wait(gen):
    """A writer held past the 10 ms bound: the reader stops waiting and the application's
    answers are still what bare gets (only telemetry may be lost)."""
    pre = run(gen, 3, 30)
    assert len(http_spans(pre.spans, "CLIENT")) <= 3, pre.describe()


def test_the_wait_follows_its_setting(gen):
    """GENESIS_HTTP_AWAIT_MS=300 covers a writer held 30 ms, three times the default bound: every
    request gets its own CLIENT span again, none ends as `connection_closed`."""
    pre = run(gen, 3, 30, {"GENESIS_HTTP_AWAIT_MS": "300"})
    spans = http_spans(pre.spans, "CLIENT")
    assert sorted(s["attributes"]["url.full"].rsplit("/", 1)[1] for s in spans) == ["0", "1", "2"], pre.describe()
    for s in spans:
        assert "error.type" not in s["attributes"], s
        assert s["end_time_unix_nano"] - s["start_time_unix_nano"] >= 30_000_000, s

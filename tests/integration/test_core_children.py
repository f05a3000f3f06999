"""Every child of a preloaded shell exports its own spans, in its own file, under its own pid."""
from conftest import assert_self_line, assert_span_shape, assert_tcp_connect_span, assert_unique_span_ids, tool


def test_bash_loop_of_curls(gen, http_server):
    curl = tool("curl")
    script = (f'for i in 1 2 3 4 5; do "{curl}" -s --noproxy "*" {http_server.url("/hello.txt")} '
              f'|| echo "curl $i failed"; done')
    bare, pre = gen.compare([tool("bash"), "-c", script])
    assert pre.stdout == b"hello from genesis-auto\n" * 5

    by_pid = {pid: [r for r in recs if r["type"] == "span" and r["name"].startswith("connect ")]
              for pid, recs in pre.files.items()}
    with_spans = {pid: spans for pid, spans in by_pid.items() if spans}
    assert len(with_spans) == 5, pre.describe()
    assert pre.pid not in with_spans, "bash itself made no connection"
    for pid, spans in with_spans.items():
        assert len(spans) == 1, spans
        span = spans[0]
        assert_span_shape(span, pre)
        assert_tcp_connect_span(span, http_server.port)
        assert span["resource"]["process.pid"] == pid, span
        assert span["resource"]["process.executable.name"] == "curl", span
        me = pre.self_line(pid)
        assert_self_line(me, pid)
        assert me["spans_exported"] == len([r for r in pre.files[pid] if r["type"] == "span"]), me
    # Each process has its own ids.
    assert_unique_span_ids(pre.spans)
    assert len({s["resource"]["service.instance.id"] for s in pre.spans}) == 5
    # Nothing a child exported was attributed to another pid.
    for pid, recs in pre.files.items():
        for r in recs:
            if r["type"] == "span":
                assert r["resource"]["process.pid"] == pid, (pid, r)
            else:
                assert r["pid"] == pid, (pid, r)

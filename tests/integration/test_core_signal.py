"""tests/progs/sig_send.c: a SIGALRM handler calling send()/connect() while the main loop is inside
the same hooks: no crash, no deadlock, same output."""
from conftest import assert_same_behaviour, assert_self_line, prog, tool


def test_signal_handler_calls_hooks(gen):
    argv = [tool("timeout"), "20", prog("sig_send"), "3000", "300"]
    env = {"GENESIS_QUEUE_SIZE": "65536", "GENESIS_EXIT_FLUSH_MS": "10000"}
    bare = gen.run(argv, preload=False, env=env, timeout=30)
    pre = gen.run(argv, env=env, timeout=30)
    assert bare.rc == 0, bare.describe()
    assert pre.rc == 0, f"rc {pre.rc} (124 = deadlock caught by timeout, <0/128+n = signal)\n{pre.describe()}"
    assert_same_behaviour(bare, pre)
    assert pre.stdout == b"iterations>=3000 handler_ran=yes main_errors=0 handler_errors=0\n"

    # `timeout` itself connects nowhere: only sig_send's file has spans. Its connects (main loop and
    # handler: at least 3000 + 300/8 + the 2 setup connects) are all there, none lost or torn.
    with_spans = {pid: recs for pid, recs in pre.files.items() if any(r["type"] == "span" for r in recs)}
    assert len(with_spans) == 1 and pre.pid not in with_spans, pre.describe()
    (pid, recs), = with_spans.items()
    spans = [r for r in recs if r["type"] == "span" and r["name"].startswith("connect ")]
    assert len(spans) >= 3000 + 300 // 8 + 2, len(spans)
    assert all(s["resource"]["process.pid"] == pid for s in spans)
    me = pre.self_line(pid)
    assert_self_line(me, pid)
    assert me["dropped_queue_full"] == 0, me
    assert me["spans_exported"] == len([r for r in recs if r["type"] == "span"]), me

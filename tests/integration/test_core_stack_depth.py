"""The library's hooks must not need much of an application thread's stack: a thread created
with a small stack (PTHREAD_STACK_MIN is 16 KiB, the static TLS carved from it) that is fine
bare must not overflow because its write went through the library. tests/progs/stack_depth
runs the work on a painted stack and reports how deep it went below the thread's entry frame;
the preloaded run may go at most ADDED_MAX bytes deeper than the bare one while the library
rewrites what the thread writes (HTTP traceparent injection, NATS PUB → HPUB, log lines with
their span's ids). Before the scratch pool (preload/scratch.c) the plans and buffers of those
rewrites lived on the stack: +2,840 (HTTP), +4,192 (NATS), +3,872 (log lines); now +832,
+832 and +384."""
import re

from conftest import free_port, prog
from nats_common import nats_server  # noqa: F401  (fixture)
from test_http_support import Capture, http_spans

ADDED_MAX = 1024


def depth(res):
    m = re.search(r"^depth (\d+)$", res.stdout.decode(), re.M)
    assert m, res.describe()
    return int(m.group(1))


def run_both(gen, args, env=None):
    bare = gen.run([prog("stack_depth")] + args, preload=False, env=env)
    pre = gen.run([prog("stack_depth")] + args, preload=True, env=env)
    assert bare.rc == 0, bare.describe()
    assert pre.rc == 0, pre.describe()
    added = depth(pre) - depth(bare)
    print(f"{args[0]}: bare {depth(bare)}, preloaded {depth(pre)}, added {added}")
    return bare, pre, added


def test_http_injection_stack(gen):
    cap = Capture()
    try:
        bare, pre, added = run_both(gen, ["http", str(cap.port)])
    finally:
        cap.close()
    assert b"traceparent" not in bytes(cap.conns[0])
    assert b"traceparent: 00-" in bytes(cap.conns[1]), "no injection: the test measures nothing"
    assert len(http_spans(pre.spans, "CLIENT")) == 1, pre.describe()
    assert added <= ADDED_MAX, f"the hooks used {added} bytes of the thread's stack"


def test_nats_injection_stack(gen, nats_server):  # noqa: F811
    bare, pre, added = run_both(gen, ["nats", str(nats_server.port)])
    assert b"delivered MSG\n" in bare.stdout, bare.describe()
    assert b"delivered HMSG\n" in pre.stdout, "no injection: the test measures nothing"
    assert len([s for s in pre.spans if s["name"] == "publish depth.x"]) == 1, pre.describe()
    assert added <= ADDED_MAX, f"the hooks used {added} bytes of the thread's stack"


def test_log_rewrite_stack(gen):
    # Log records go to a closed port (the console file holds spans only); the lines are
    # rewritten all the same.
    env = {"GENESIS_LOGS_INJECT": "auto", "OTEL_LOGS_EXPORTER": "otlp", "OTEL_LOG_LEVEL": "error",
           "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT": f"http://127.0.0.1:{free_port()}/v1/logs"}
    bare, pre, added = run_both(gen, ["log"], env=env)
    out = pre.stdout.decode()
    server = [s for s in http_spans(pre.spans, "SERVER")]
    assert len(server) == 1, pre.describe()
    assert server[0]["trace_id"] in out, "the log line was not rewritten: the test measures nothing"
    assert added <= ADDED_MAX, f"the hooks used {added} bytes of the thread's stack"

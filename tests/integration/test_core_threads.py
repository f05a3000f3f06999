"""tests/progs/threads_connect.c: 64 threads x 1000 connects through the ring, and many threads
whose first records arrive while the ring is still being mapped."""
import pytest

from conftest import Runner, assert_self_line, prog, run_measured

THREADS, PER = 64, 1000
TOTAL = THREADS * PER
def argv():
    return [prog("threads_connect"), str(THREADS), str(PER)]


OUT = f"threads={THREADS} per_thread={PER} connects={TOTAL} unexpected=0\n".encode()
SLOT_BYTES = 512            # bytes per ring slot (record + sequence), see preload/ring.c
MARGIN_KB = 64 * 1024       # exporter, console buffers, thread stacks, ...


@pytest.fixture(scope="module")
def bare_rss(tmp_path_factory):
    bare, _, kb = run_measured(Runner(tmp_path_factory.mktemp("threads")), argv(), preload=False)
    assert bare.rc == 0 and bare.stdout == OUT and bare.stderr == b"", bare.describe()
    return kb


def _run(gen, bare_kb, queue):
    pre, pid, kb = run_measured(gen, argv(), timeout=120,
                                env={"GENESIS_QUEUE_SIZE": str(queue), "GENESIS_EXIT_FLUSH_MS": "30000"})
    assert pre.rc == 0 and pre.stdout == OUT and pre.stderr == b"", pre.describe()
    assert list(pre.files) == [pid], pre.describe()
    # Memory stays bounded by the configured ring, whatever the number of threads.
    limit = bare_kb + queue * SLOT_BYTES // 1024 + MARGIN_KB
    assert kb <= limit, (f"peak RSS {kb} KB with GENESIS_QUEUE_SIZE={queue} and {THREADS} threads "
                         f"(bare {bare_kb} KB, limit {limit} KB; took {pre.elapsed:.1f}s)")
    return pre, pid


def test_big_queue_keeps_every_span(gen, bare_rss):
    pre, pid = _run(gen, bare_rss, 131072)
    spans = pre.connect_spans()
    assert len(spans) == TOTAL, f"{len(spans)} connect spans, want {TOTAL}"
    assert len(pre.spans) == TOTAL
    assert len({s["span_id"] for s in spans}) == TOTAL, "duplicate span ids"
    assert {s["name"] for s in spans} == {spans[0]["name"]}, "all connects go to one port"
    assert all(s["status"]["code"] == "ERROR" and s["attributes"].get("error.type") == "ECONNREFUSED"
               and s["resource"]["process.pid"] == pid for s in spans)
    me = pre.self_line(pid)
    assert_self_line(me, pid)
    assert me["operations"] == TOTAL, me
    assert me["spans_exported"] == TOTAL, me
    assert me["dropped_queue_full"] == 0, me


def test_small_queue_counts_drops(gen, bare_rss):
    pre, pid = _run(gen, bare_rss, 64)
    me = pre.self_line(pid)
    assert_self_line(me, pid)
    assert me["operations"] == TOTAL, me
    assert me["spans_exported"] + me["dropped_queue_full"] == TOTAL, me
    assert me["spans_sampled_out"] == 0, me
    # What the self line says was exported is exactly what is in the file.
    assert len(pre.spans) == me["spans_exported"], (len(pre.spans), me)
    assert len({s["span_id"] for s in pre.spans}) == len(pre.spans), "duplicate span ids"


FIRST_THREADS, FIRST_RUNS = 32, 30


def test_first_records_while_ring_is_mapped(gen):
    """32 threads released at once, one connect each: their first records all arrive while the
    ring is not mapped yet. One thread maps it and the others must wait for it, not drop: on a
    2-core machine a mapping thread preempted by its waiters lost a record in about one run in
    six, so 30 runs catch such a loss almost surely."""
    argv = [prog("threads_connect"), str(FIRST_THREADS), "1"]
    for run in range(FIRST_RUNS):
        pre = gen.run(argv)
        assert pre.rc == 0 and pre.stderr == b"", pre.describe()
        me = pre.self_line(pre.pid)
        assert me["dropped_queue_full"] == 0, f"run {run}: {me}"
        assert len(pre.connect_spans()) == FIRST_THREADS == me["spans_exported"], f"run {run}: {pre.describe()}"

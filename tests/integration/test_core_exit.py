"""tests/progs/exit_threads.c: exit() while 8 threads are mid-connect. The exit flush is bounded by
GENESIS_EXIT_FLUSH_MS, never hangs, never crashes."""
import os

from conftest import prog

FLUSH_MS = 500
RUN_MS = 150


def _check_exit(gen, env, what):
    argv = [prog("exit_threads"), "8", str(RUN_MS)]
    bare = gen.run(argv, preload=False, env=env, timeout=30)
    pre = gen.run(argv, env=env, timeout=30)
    assert bare.rc == 0 and bare.stdout == b"exiting\n", bare.describe()
    assert pre.rc == 0, f"{what}: exit status {pre.rc}\n{pre.describe()}"
    assert pre.stdout == bare.stdout, pre.describe()
    # A flush that runs out of time may say so, once, with the genesis: prefix; nothing else.
    own = [ln for ln in pre.stderr.splitlines(keepends=True) if not ln.startswith(b"genesis: ")]
    assert b"".join(own) == bare.stderr, pre.describe()
    assert len(pre.stderr.splitlines()) - len(own) <= 1, pre.describe()
    limit = RUN_MS / 1000 + FLUSH_MS / 1000 + 2.0
    assert pre.elapsed < limit, f"{what}: the process took {pre.elapsed:.2f}s to exit (limit {limit:.2f}s)"
    return pre


def test_exit_with_threads_mid_connect(gen):
    pre = _check_exit(gen, {"GENESIS_EXIT_FLUSH_MS": str(FLUSH_MS)}, "console to a file")
    # What was written is whole: every line parsed (read_span_files), spans were produced.
    assert pre.connect_spans(), pre.describe()


def test_exit_with_a_stuck_exporter(gen, tmp_path):
    """The console file is a FIFO nobody reads: the exporter blocks once the pipe is full.
    exit() must still return after the flush bound."""
    fifo = tmp_path / "stuck.fifo"
    os.mkfifo(fifo)
    keep = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)   # a reader that never reads
    try:
        _check_exit(gen, {"GENESIS_EXIT_FLUSH_MS": str(FLUSH_MS), "GENESIS_CONSOLE_FILE": str(fifo)},
                    "console to a full FIFO")
    finally:
        os.close(keep)


def test_exit_flush_zero(gen):
    """GENESIS_EXIT_FLUSH_MS=0: no waiting at all, and still no crash."""
    _check_exit(gen, {"GENESIS_EXIT_FLUSH_MS": "0"}, "flush 0")


def test_connections_made_at_exit_are_exported(gen):
    """The exit flush runs after the application's atexit handlers and the program's own
    destructors (the library's is run when the loader finalises it): what they do is exported."""
    argv = [prog("exit_atexit")]
    bare = gen.run(argv, preload=False, timeout=30)
    pre = gen.run(argv, env={"GENESIS_EXIT_FLUSH_MS": "2000"}, timeout=30)
    want = b"main: connect refused\natexit: connect refused\ndestructor: connect refused\n"
    assert bare.rc == 0 and bare.stdout == want, bare.describe()
    assert pre.rc == 0 and pre.stdout == bare.stdout and pre.stderr == bare.stderr, pre.describe()
    spans = pre.connect_spans()
    assert len(spans) == 3, pre.describe()
    assert all(s["status"]["code"] == "ERROR" for s in spans), spans

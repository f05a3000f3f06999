"""A process whose last application thread ends through pthread_exit ends as it does bare.

A Python child forked from a non-main thread returns from that thread instead of calling
exit() (CPython's test_threading.test_main_thread_after_fork_from_nonmain_thread); bare, glibc's
last thread then ends the process. Under the library the child's exporter thread (started by
its first log line) used to keep it alive for ever. Now the exporter thread notices it is the
last live thread, exports what is left and ends the process (exporter/alone.c)."""
import json
import subprocess
import sys

from conftest import LIB, clean_env

SCRIPT = r"""
import os, sys, threading
def func():
    pid = os.fork()
    if pid == 0:
        print("child says hello")
        sys.stdout.flush()
    else:
        _, status = os.waitpid(pid, 0)
        print("child status", status)
th = threading.Thread(target=func)
th.start()
th.join()
print("done")
"""


def run(env, tmp_path):
    script = tmp_path / "fork_from_thread.py"
    script.write_text(SCRIPT)
    return subprocess.run([sys.executable, str(script)], env=env, capture_output=True, timeout=60)


def test_child_whose_last_thread_exits_ends_as_bare(tmp_path):
    bare = run(clean_env({}), tmp_path)
    assert bare.returncode == 0 and b"done" in bare.stdout, bare
    out = tmp_path / "console-%p.jsonl"
    env = clean_env({"LD_PRELOAD": str(LIB), "OTEL_TRACES_EXPORTER": "console",
                     "OTEL_LOGS_EXPORTER": "console", "OTEL_METRICS_EXPORTER": "none",
                     "GENESIS_CONSOLE_FILE": str(out)})
    pre = run(env, tmp_path)        # hung before (subprocess.TimeoutExpired)
    assert pre.returncode == 0, pre
    assert pre.stdout == bare.stdout, (bare.stdout, pre.stdout)
    bodies = []
    for f in tmp_path.glob("console-*.jsonl"):
        for line in f.read_text().splitlines():
            rec = json.loads(line)
            if rec.get("type") == "log":
                bodies.append(rec.get("body"))
    assert "child says hello" in bodies, bodies     # the child's line exported on its way out

"""The library built with AddressSanitizer + UBSan (`make asan` -> build-asan/) under errno_check,
threads_connect, fork_exec and sig_send: no sanitizer report, same results. The ASan build is made
at module setup, so these tests never get skipped."""
import os
import subprocess

import pytest

from conftest import ROOT, assert_self_line, prog, tool

ASAN_LIB = ROOT / "build-asan" / "libgenesis_auto.so"
SAN_ERRORS = (b"ERROR: AddressSanitizer", b"runtime error:", b"ERROR: LeakSanitizer", b"SUMMARY: ")


@pytest.fixture(scope="module")
def asan_preload():
    # A clean make: not a sub-make of `make integration` (its MAKEFLAGS may carry BUILD=... or a
    # jobserver whose fds we do not pass on).
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES")}
    make = subprocess.run([tool("make"), "--no-print-directory", "asan"], cwd=ROOT, capture_output=True,
                          timeout=300, env=env)
    assert make.returncode == 0, f"make asan failed:\n{make.stdout.decode()[-3000:]}\n{make.stderr.decode()[-3000:]}"
    assert ASAN_LIB.is_file(), f"make asan did not produce {ASAN_LIB}"
    libasan = subprocess.run([tool("gcc"), "-print-file-name=libasan.so"], capture_output=True, text=True,
                             check=True).stdout.strip()
    assert libasan.startswith("/"), f"gcc does not know libasan.so: {libasan!r}"
    return f"{libasan}:{ASAN_LIB}"


ENV = {"ASAN_OPTIONS": "detect_leaks=0:abort_on_error=0:exitcode=86",
       "UBSAN_OPTIONS": "print_stacktrace=1:halt_on_error=1"}


def _run(gen, asan_preload, argv, env=None):
    e = dict(ENV, **(env or {}))
    res = gen.run([tool("timeout"), "60"] + argv, ld_preload=asan_preload, env=e, timeout=90)
    for marker in SAN_ERRORS:
        assert marker not in res.stderr, f"sanitizer report:\n{res.stderr.decode(errors='replace')[-6000:]}"
    assert res.rc == 0, res.describe()
    return res


def test_asan_errno_check(gen, asan_preload):
    bare = gen.run([prog("errno_check")], preload=False)
    res = _run(gen, asan_preload, [prog("errno_check")])
    assert res.stdout == bare.stdout and res.stdout.endswith(b"ALL OK\n"), res.describe()
    assert res.connect_spans(), res.describe()


def test_asan_threads(gen, asan_preload):
    threads, per = 64, 300
    res = _run(gen, asan_preload, [prog("threads_connect"), str(threads), str(per)],
               env={"GENESIS_QUEUE_SIZE": "256", "GENESIS_EXIT_FLUSH_MS": "30000"})
    assert res.stdout == f"threads={threads} per_thread={per} connects={threads * per} unexpected=0\n".encode()
    pids = [p for p, recs in res.files.items() if any(r["type"] == "span" for r in recs)]
    assert len(pids) == 1, res.describe()
    me = res.self_line(pids[0])
    assert_self_line(me, pids[0])
    assert me["operations"] == threads * per, me
    assert me["spans_exported"] + me["dropped_queue_full"] == threads * per, me


def test_asan_fork_exec(gen, asan_preload, tmp_path):
    res = _run(gen, asan_preload, [prog("fork_exec"), "50"], env={"FORK_EXEC_INFO": str(tmp_path / "i.txt")})
    assert res.stdout == b"children ok\nparent ok\n", res.describe()


def test_asan_signal_handler(gen, asan_preload):
    res = _run(gen, asan_preload, [prog("sig_send"), "1000", "100"])
    assert res.stdout == b"iterations>=1000 handler_ran=yes main_errors=0 handler_errors=0\n", res.describe()

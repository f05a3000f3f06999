"""tests/progs/errno_check.c: the return-value / errno contract under the library, and the spans of
its connects. The program runs once bare and once preloaded (module fixture); each test below
asserts one aspect, so one library bug does not hide the others."""
import subprocess
from collections import Counter

import pytest

from conftest import Runner, assert_span_shape, assert_tcp_connect_span, prog


@pytest.fixture(scope="module")
def errno_runs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("errno")
    gen = Runner(tmp)
    bare = gen.run([prog("errno_check")], preload=False, env={"ERRNO_CHECK_INFO": str(tmp / "info-bare.txt")})
    pre = gen.run([prog("errno_check")], env={"ERRNO_CHECK_INFO": str(tmp / "info-pre.txt")})
    connects, udp = [], []
    for line in (tmp / "info-pre.txt").read_text().splitlines():
        f = line.split(" ", 2)
        if f[0] == "connect":
            connects.append((f[1], f[2]))
        elif f[0] == "udp":
            udp.append(int(f[1]))
    return bare, pre, connects, udp


def _one(pre, connects, role):
    names = [name for r, name in connects if r == role]
    assert len(names) == 1, (role, names)
    found = pre.spans_named(f"connect {names[0]}")
    assert len(found) == 1, f"{role}: want exactly one span named 'connect {names[0]}', got {found}"
    port = int(names[0].rsplit(":", 1)[1]) if names[0].startswith("127.") else None
    return found[0], port


def test_fortified_entry_points_are_really_called():
    """The program must reach __recv_chk & co., else the fortify check proves nothing."""
    out = subprocess.run(["nm", "-D", "--undefined-only", prog("errno_check")], capture_output=True, text=True,
                         check=True).stdout
    for sym in ("__recv_chk", "__read_chk", "__recvfrom_chk", "close_range", "sendmmsg", "recvmmsg", "sendfile",
                "accept4", "dup3"):
        assert sym in out, f"errno_check does not import {sym}"


def test_errno_contract_holds(errno_runs):
    bare, pre, _, _ = errno_runs
    assert bare.rc == 0, bare.describe()       # the checks themselves hold without the library
    failed = [ln for ln in pre.stdout.decode().splitlines() if not ln.startswith("ok ")]
    assert pre.rc == 0, f"under the library: {failed}\n{pre.describe()}"
    assert pre.stdout == bare.stdout, f"stdout differs\nBARE {bare.describe()}\nPRE {pre.describe()}"
    assert pre.stderr == bare.stderr == b"", pre.describe()
    assert pre.stdout.endswith(b"ALL OK\n")


def test_every_span_is_well_formed(errno_runs):
    _, pre, _, _ = errno_runs
    assert list(pre.files) == [pre.pid], pre.describe()
    for s in pre.spans:
        assert_span_shape(s, pre)
        assert s["resource"]["process.pid"] == pre.pid, s


def test_one_span_per_connection(errno_runs):
    """Exactly one span per stream connection attempted, nothing else: not the EBADF/ENOTSOCK
    connects, not the connected UDP socket, not a second one for a completion-check connect()."""
    _, pre, connects, udp = errno_runs
    want = Counter(f"connect {name}" for _, name in connects)
    got = Counter(s["name"] for s in pre.connect_spans())
    assert got == want, f"connect spans differ from the connections made:\nmissing={want - got}\nextra={got - want}"


def test_udp_connect_has_no_span(errno_runs):
    _, pre, _, udp = errno_runs
    assert udp
    for port in udp:
        assert not pre.spans_named(f"connect 127.0.0.1:{port}"), "UDP connect produced a span"


def test_refused_connect_span(errno_runs):
    _, pre, connects, _ = errno_runs
    span, port = _one(pre, connects, "refused")
    assert_tcp_connect_span(span, port, status="ERROR", error_type="ECONNREFUSED")


def test_blocking_connect_span(errno_runs):
    _, pre, connects, _ = errno_runs
    span, port = _one(pre, connects, "blocking_ok")
    assert_tcp_connect_span(span, port, status="UNSET")


def test_nonblocking_connect_span(errno_runs):
    _, pre, connects, _ = errno_runs
    span, port = _one(pre, connects, "nonblock_ok")
    assert_tcp_connect_span(span, port, status="UNSET")
    assert span["end_time_unix_nano"] > span["start_time_unix_nano"], span


def test_nonblocking_refused_span(errno_runs):
    _, pre, connects, _ = errno_runs
    span, port = _one(pre, connects, "nonblock_refused")
    assert_tcp_connect_span(span, port, status="ERROR", error_type="ECONNREFUSED")
    assert span["end_time_unix_nano"] > span["start_time_unix_nano"], span


def test_nonblocking_connect_rechecked_by_connect(errno_runs):
    """connect(EINPROGRESS), poll, connect() again (returns 0): one connection, one span."""
    _, pre, connects, _ = errno_runs
    span, port = _one(pre, connects, "nonblock_recheck")
    assert_tcp_connect_span(span, port, status="UNSET")
    assert span["end_time_unix_nano"] > span["start_time_unix_nano"], span


def test_unix_connect_span(errno_runs):
    _, pre, connects, _ = errno_runs
    span, _ = _one(pre, connects, "unix")
    assert span["kind"] == "INTERNAL" and span["status"]["code"] == "UNSET", span


def test_self_line(errno_runs):
    _, pre, _, _ = errno_runs
    me = pre.self_line(pre.pid)
    assert me["spans_exported"] == len(pre.spans), me
    assert me["dropped_queue_full"] == 0 and me["export_failures"] == 0, me

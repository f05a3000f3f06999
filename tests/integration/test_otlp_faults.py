"""The OTLP exporter against a failing collector (genesis-view's fault injection, or nothing
listening): receiver down, 503 + Retry-After, 429, 400, 200 with partial_success, a black hole that
never answers, slow answers, dropped connections.

For every fault the host program prints exactly what it prints without the library, keeps its exit
code, exits within GENESIS_EXIT_FLUSH_MS + 1.5 s of the bare run, reports the problem once on stderr
(`genesis:` prefix) and counts it in the self-metrics line; the collector connection is never
observed as a span. Retries happen only for 429/502/503/504 and connection failures.
"""
import pytest

from conftest import PY, free_port
from test_otlp_support import (CLIENT, assert_collector_unobserved, genesis_lines, otlp_env, sink,  # noqa: F401
                               view, without_genesis_lines)

FLUSH_MS = 300

# name -> (genesis-view options or None for "nothing listening", the export fails?, retried?)
FAULTS = {
    "down": (None, True, None),
    "503-retry-after": (["--status", "503", "--retry-after", "1"], True, True),
    "429": (["--status", "429"], True, True),
    "400": (["--status", "400"], True, False),
    "500": (["--status", "500"], True, False),
    "partial-success": (["--partial-success", "2:two spans were too old"], False, False),
    "blackhole": (["--blackhole"], True, False),
    "slow": (["--delay-ms", "3000"], True, False),
    "drop": (["--drop"], True, True),
}


def endpoint(view, fault):
    args = FAULTS[fault][0]
    if args is None:
        port = free_port()
        return f"http://127.0.0.1:{port}", None, port
    v = view(*args)
    return v.url(), v, v.port


def assert_host_unharmed(bare, pre, target_port, collector_port):
    assert pre.rc == bare.rc, pre.describe()
    assert pre.stdout == bare.stdout, f"stdout differs\n{bare.describe()}\n{pre.describe()}"
    assert without_genesis_lines(pre.stderr) == without_genesis_lines(bare.stderr), pre.describe()
    assert pre.elapsed <= bare.elapsed + FLUSH_MS / 1000 + 1.5, (bare.elapsed, pre.elapsed)
    assert len(pre.connect_spans()) == 20, pre.describe()
    assert {s["name"] for s in pre.connect_spans()} == {f"connect 127.0.0.1:{target_port}"}
    assert_collector_unobserved(pre.spans, collector_port)


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_fault_at_exit(gen, sink, view, fault):
    """The spans are still queued when the program exits: the exit flush meets the fault, bounded by
    GENESIS_EXIT_FLUSH_MS even with the default 10 s export timeout."""
    url, v, cport = endpoint(view, fault)
    env = otlp_env(url, GENESIS_EXIT_FLUSH_MS=FLUSH_MS)
    argv = [PY, "-c", CLIENT, str(sink), "20"]
    bare = gen.run(argv, preload=False, env=env)
    pre = gen.run(argv, env=env)
    assert_host_unharmed(bare, pre, sink, cport)
    fails, retried = FAULTS[fault][1], FAULTS[fault][2]
    lines = genesis_lines(pre.stderr)
    if fails:
        assert any("OTLP traces export" in line for line in lines), lines
    if fault == "partial-success":
        assert len(lines) == 1 and "rejected 2 of the spans sent: two spans were too old" in lines[0], lines
    assert len(lines) == len(set(lines)) <= 2, f"warnings must not repeat: {lines}"
    if v is not None and retried is False:
        assert v.request_count() == 1, "a non-retryable answer was retried"


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_fault_while_running(gen, sink, view, fault):
    """The export happens while the program runs (short schedule delay and export timeout): the
    failure is over before the exit and shows in the self-metrics line. Each failed batch is one
    export failure; only retryable faults make more than one request per batch."""
    url, v, cport = endpoint(view, fault)
    env = otlp_env(url, GENESIS_EXIT_FLUSH_MS=FLUSH_MS, OTEL_BSP_SCHEDULE_DELAY=300,
                   OTEL_EXPORTER_OTLP_TIMEOUT=1500)
    argv = [PY, "-c", CLIENT, str(sink), "20", "2.5"]
    bare = gen.run(argv, preload=False, env=env)
    pre = gen.run(argv, env=env)
    assert_host_unharmed(bare, pre, sink, cport)
    fails, retried = FAULTS[fault][1], FAULTS[fault][2]
    me = pre.self_line(pre.pid)
    assert me["spans_exported"] == 20, me
    failures = me["export_failures"]
    assert (failures >= 1) if fails else (failures == 0), me
    lines = genesis_lines(pre.stderr)
    assert len(lines) == (1 if fails or fault == "partial-success" else 0), lines
    if v is not None:
        n = v.request_count()
        if retried:
            assert n >= 2 * failures, f"{fault} must be retried (requests={n}, failures={failures})"
        elif fails:
            assert n == failures, f"{fault} must not be retried (requests={n}, failures={failures})"
        else:
            assert n >= 1 and failures == 0

"""The Kafka hooks and librdkafka's header ownership: the C producer and consumer preloaded under
valgrind's memcheck (--leak-check=full) — no invalid access, no double free, nothing lost that the
same program does not lose without the library (the only block the library leaves is its detached
exporter thread's TLS, "possibly lost") — and every client under the AddressSanitizer + UBSan build
of the library (`make asan`)."""
import os
import re

import pytest

from conftest import prog, tool
from kafka_support import OWN_TP, c_produce, kafka, kspans, py  # noqa: F401
from test_core_asan import ENV, SAN_ERRORS, asan_preload  # noqa: F401  (module fixture)
from test_kafka_tools import PY_CONSUMER, PY_PRODUCER

LOST = re.compile(rb"(definitely|indirectly) lost: ([\d,]+) bytes")
RECORD = re.compile(rb"==\d+== [\d,]+ bytes in [\d,]+ blocks are (\w+) lost in loss record.*?\n==\d+== \n", re.S)
SUPP = os.path.join(os.path.dirname(os.path.abspath(__file__)), "valgrind.supp")


def memcheck(gen, argv, preload, env=None):
    res = gen.run([tool("valgrind"), "--leak-check=full", "--show-leak-kinds=definite,indirect,possible",
                   "--errors-for-leak-kinds=definite,indirect", "--error-exitcode=99", "--child-silent-after-fork=yes",
                   f"--suppressions={SUPP}",
                   *argv], preload=preload, env=env, timeout=300)
    assert res.rc == 0, res.describe()
    assert b"ERROR SUMMARY: 0 errors" in res.stderr, res.stderr.decode(errors="replace")[-6000:]
    lost = {k: int(v.replace(b",", b"")) for k, v in LOST.findall(res.stderr)}
    assert lost == {b"definitely": 0, b"indirectly": 0} or not lost, res.stderr.decode(errors="replace")[-6000:]
    for rec in RECORD.finditer(res.stderr):
        assert b"ga_exporter_ensure" in rec.group(0), rec.group(0).decode(errors="replace")
    return res


@pytest.mark.parametrize("how", ["vhdrs", "va", "v", "retry", "own"])
def test_producer_under_memcheck(gen, kafka, how):
    bare = memcheck(gen, [prog("kafka_client"), "produce", kafka.bootstrap, kafka.topic(), how, "3"], False)
    t = kafka.topic()
    pre = memcheck(gen, [prog("kafka_client"), "produce", kafka.bootstrap, t, how, "3"], True)
    if how != "retry":
        assert pre.stdout == bare.stdout, (bare.describe(), pre.describe())
    assert len(kspans(pre, "PRODUCER")) >= 3, pre.describe()


@pytest.mark.parametrize("how", ["poll", "thread", "callback", "batch"])
def test_consumer_under_memcheck(gen, kafka, how):
    t = kafka.topic()
    c_produce(gen, kafka, t, "vhdrs", 3)
    argv = [prog("kafka_client"), "consume", kafka.bootstrap, t, how, "3"]
    bare = memcheck(gen, argv + [f"genesis-vg-{how}-bare"], False)
    pre = memcheck(gen, argv + [f"genesis-vg-{how}-pre"], True)
    assert pre.stdout == bare.stdout, (bare.describe(), pre.describe())
    assert len(kspans(pre, "CONSUMER")) == 3, pre.describe()


ALL_FORMATS = {"OTEL_PROPAGATORS": "tracecontext,b3,b3multi"}


@pytest.mark.parametrize("how", ["vhdrs", "retry", "va"])
def test_every_format_under_memcheck(gen, kafka, how):
    """Five headers per record (traceparent, b3, X-B3-*): added to the application's list and
    all removed again when the call fails (vhdrs' first call, retry's _QUEUE_FULL), or as
    tuples; then read back by a b3 consumer."""
    t = kafka.topic()
    bare = memcheck(gen, [prog("kafka_client"), "produce", kafka.bootstrap, kafka.topic(), how, "3"], False)
    pre = memcheck(gen, [prog("kafka_client"), "produce", kafka.bootstrap, t, how, "3"], True, env=ALL_FORMATS)
    if how != "retry":
        assert pre.stdout == bare.stdout, (bare.describe(), pre.describe())
    else:
        assert b"list intact: yes" in pre.stdout, pre.describe()
    if how == "vhdrs":
        cons = memcheck(gen, [prog("kafka_client"), "consume", kafka.bootstrap, t, "poll", "3",
                              f"genesis-vg-b3-{how}"], True, env={"OTEL_PROPAGATORS": "b3,tracecontext"})
        assert len(kspans(cons, "CONSUMER")) == 3, cons.describe()


def _asan(gen, preload, argv, env=None):
    res = gen.run([tool("timeout"), "120"] + argv, ld_preload=preload, env={**ENV, **(env or {})}, timeout=150)
    for marker in SAN_ERRORS:
        assert marker not in res.stderr, f"sanitizer report:\n{res.stderr.decode(errors='replace')[-6000:]}"
    assert res.rc == 0, res.describe()
    return res


def test_clients_under_asan(gen, kafka, redis_server, asan_preload):
    t = kafka.topic()
    for how in ("v", "vhdrs", "vtuple", "va", "own", "legacy", "batch", "retry"):
        res = _asan(gen, asan_preload, [prog("kafka_client"), "produce", kafka.bootstrap, t, how, "2"])
        assert kspans(res, "PRODUCER"), res.describe()
    n = 2 * 8                                   # two messages from each way above
    for i, how in enumerate(("poll", "thread", "consume", "callback", "batch")):
        res = _asan(gen, asan_preload, [prog("kafka_client"), "consume", kafka.bootstrap, t, how, str(n),
                                        f"genesis-asan-{i}", str(redis_server.port)])
        assert len(kspans(res, "CONSUMER")) == n, res.describe()
    t = kafka.topic()
    res = _asan(gen, asan_preload, py(PY_PRODUCER, kafka.bootstrap, t, OWN_TP))
    assert len(kspans(res, "PRODUCER")) == 5
    for way in ("poll", "consume"):
        res = _asan(gen, asan_preload, py(PY_CONSUMER, kafka.bootstrap, t, f"genesis-asan-py-{way}", way,
                                          redis_server.port, OWN_TP))
        assert len(kspans(res, "CONSUMER")) == 4, res.describe()
    res = _asan(gen, asan_preload, [tool("kcat"), "-q", "-C", "-b", kafka.bootstrap, "-t", t, "-e"])
    assert len(kspans(res, "CONSUMER")) == 4, res.describe()


def test_every_format_under_asan(gen, kafka, asan_preload):
    """traceparent, b3 and X-B3-* through every injecting way and an application's own b3, then
    read back by b3 consumers (the unparsed block and the public list)."""
    t = kafka.topic()
    for how in ("v", "vhdrs", "vtuple", "va", "ownb3", "retry"):
        res = _asan(gen, asan_preload, [prog("kafka_client"), "produce", kafka.bootstrap, t, how, "2"], ALL_FORMATS)
        assert kspans(res, "PRODUCER"), res.describe()
    n = 2 * 6
    for i, how in enumerate(("poll", "consume", "batch")):
        res = _asan(gen, asan_preload, [prog("kafka_client"), "consume", kafka.bootstrap, t, how, str(n),
                                        f"genesis-asan-b3-{i}"], {"OTEL_PROPAGATORS": "b3multi,b3"})
        assert len(kspans(res, "CONSUMER")) == n, res.describe()

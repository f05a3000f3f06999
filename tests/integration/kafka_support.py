"""Shared machinery of the Kafka tests: librdkafka's mock cluster hosted by tests/progs/kafka_mock
(listening on 127.0.0.1; never preloaded), fresh single-partition topics, the C client
(tests/progs/kafka_client), kcat and confluent-kafka runs, and span helpers."""
import itertools
import subprocess
import time

import pytest

from conftest import PY, clean_env, prog

TOPICS = 160                    # created at start (one partition each): every test takes fresh ones
OWN_TP = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


class KafkaMock:
    def __init__(self, workdir):
        self.names = [f"t{i}" for i in range(TOPICS)]
        self.next = itertools.count()
        self.log = open(workdir / "kafka_mock.err", "wb")
        self.proc = subprocess.Popen([prog("kafka_mock"), "1"] + self.names, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=self.log, env=clean_env())
        line = self.proc.stdout.readline().decode().strip()
        if not line.startswith("127.0.0.1:"):
            self.stop()
            pytest.fail(f"kafka_mock did not start: {line!r} {(workdir / 'kafka_mock.err').read_text()[-2000:]}")
        self.bootstrap = line

    def topic(self):
        """A topic no other test has used (one partition: messages come back in order)."""
        i = next(self.next)
        assert i < TOPICS, "kafka_support.TOPICS is too small for the tests"
        return self.names[i]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.stdin.close()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


@pytest.fixture(scope="session")
def kafka(tmp_path_factory):
    k = KafkaMock(tmp_path_factory.mktemp("kafka"))
    yield k
    k.stop()


_groups = itertools.count()


def group():
    return f"genesis-g{next(_groups)}"


def c_produce(gen, kafka, topic, how, n, preload=True, env=None):
    res = gen.run([prog("kafka_client"), "produce", kafka.bootstrap, topic, how, str(n)], preload=preload,
                  env=env, timeout=90)
    assert res.rc == 0, res.describe()
    return res


def c_consume(gen, kafka, topic, how, n, preload=True, env=None, redis_port=None):
    argv = [prog("kafka_client"), "consume", kafka.bootstrap, topic, how, str(n), group()]
    if redis_port is not None:
        argv.append(str(redis_port))
    res = gen.run(argv, preload=preload, env=env, timeout=90)
    assert res.rc == 0, res.describe()
    return res


def messages(res):
    """The consumer's message lines: (text without the traceparent count, count)."""
    out = []
    for line in res.stdout.decode().splitlines():
        if line.startswith("p="):
            head, tp = line.rsplit(" tp=", 1)
            out.append((head, int(tp)))
    return out


def wait_until(pred, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(0.05)
    return pred()


def kspans(res, kind=None, pid=None):
    """The Kafka spans of a run (messaging.system=kafka), in start order."""
    recs = res.records if pid is None else res.files.get(pid, [])
    out = [r for r in recs if r["type"] == "span" and r["attributes"].get("messaging.system") == "kafka"
           and (kind is None or r["kind"] == kind)]
    return sorted(out, key=lambda s: s["start_time_unix_nano"])


def by_offset(spans):
    return sorted(spans, key=lambda s: s["attributes"]["messaging.kafka.offset"])


def assert_linked(producers, consumers):
    """Consumer i is the child of producer i, in another process."""
    assert len(producers) == len(consumers), (producers, consumers)
    for p, c in zip(producers, consumers):
        assert c["parent_span_id"] == p["span_id"], (p, c)
        assert c["trace_id"] == p["trace_id"], (p, c)
        assert c["parent_remote"] is True, c
        assert c["resource"]["process.pid"] != p["resource"]["process.pid"]


def py(script, *args):
    return [PY, "-c", script] + [str(a) for a in args]

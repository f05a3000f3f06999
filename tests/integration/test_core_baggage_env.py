"""The BAGGAGE environment carrier (preload/baggage.h, docs/configuration.md#baggage): curl under
the library, started with BAGGAGE and `baggage` in OTEL_PROPAGATORS, sends it in a `baggage`
field beside the `traceparent` of its CLIENT span; without `baggage` in the list it sends none;
a value the library does not keep is refused with a warning and nothing is sent."""
import pytest

from conftest import tool
from http_recorder import Recorder


@pytest.fixture
def recorder():
    r = Recorder()
    yield r
    r.close()


def curl(gen, port, env):
    res = gen.run([tool("curl"), "-s", "-o", "/dev/null", f"http://127.0.0.1:{port}/x"], env=env)
    assert res.rc == 0, res.describe()
    return res


def test_env_baggage_is_sent(gen, recorder):
    res = curl(gen, recorder.port, {"OTEL_PROPAGATORS": "tracecontext,baggage", "BAGGAGE": " tenant=acme,k=v;p "})
    assert len(recorder.heads) == 1
    head = recorder.heads[0]
    assert head.get("baggage") == "tenant=acme,k=v;p", head
    client = [r for r in res.records if r["type"] == "span" and r["kind"] == "CLIENT"]
    assert len(client) == 1 and head["traceparent"].split("-")[2] == client[0]["span_id"], (head, client)


def test_not_without_the_propagator(gen, recorder):
    curl(gen, recorder.port, {"OTEL_PROPAGATORS": "tracecontext", "BAGGAGE": "tenant=acme"})
    assert "baggage" not in recorder.heads[0] and "traceparent" in recorder.heads[0], recorder.heads


def test_a_bad_value_is_refused(gen, recorder):
    res = curl(gen, recorder.port, {"OTEL_PROPAGATORS": "tracecontext,baggage", "BAGGAGE": "k=" + "v" * 300})
    assert b"BAGGAGE" in res.stderr, res.describe()
    assert "baggage" not in recorder.heads[0], recorder.heads

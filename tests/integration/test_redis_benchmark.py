"""redis-benchmark under the library: one span per command it reports, none lost or doubled."""
import collections
import re

from conftest import tool
from test_redis_common import redis_spans


def test_span_count_matches_commands(gen, redis_server):
    port = redis_server.port
    argv = [tool("redis-benchmark"), "-h", "127.0.0.1", "-p", str(port), "-n", "2000", "-c", "5",
            "-t", "get,set", "--csv"]
    bare = gen.run(argv, preload=False)
    pre = gen.run(argv, env={"GENESIS_QUEUE_SIZE": "65536"})
    assert bare.rc == 0 and pre.rc == 0, pre.describe()
    assert pre.stderr == bare.stderr
    assert re.findall(rb'^"(\w+)"', pre.stdout, re.M) == [b"test", b"SET", b"GET"], pre.stdout
    (self_line,) = pre.selfs
    assert self_line["dropped_queue_full"] == 0, self_line
    count = collections.Counter(s["name"] for s in redis_spans(pre))
    assert count["SET"] == 2000 and count["GET"] == 2000, count
    for s in redis_spans(pre):
        if s["name"] in ("SET", "GET"):
            assert s["attributes"]["db.query.text"] in ("SET key:__rand_int__ ?", "GET key:__rand_int__"), s
            assert s["status"]["code"] == "UNSET"

"""redis-server itself under the library keeps serving exactly what it serves bare (its accepted
connections are server sockets: never mistaken for client traffic, no span invented)."""
from test_redis_common import cli, preloaded_redis, redis_spans  # noqa: F401
from conftest import read_span_files, tool

SCRIPT = (b"PING\nSET gen:srv:k v\nGET gen:srv:k\nHSET gen:srv:h a 1\nHGETALL gen:srv:h\nGET gen:srv:h\n"
          b"MULTI\nINCR gen:srv:n\nINCR gen:srv:n\nEXEC\nSELECT 2\nDBSIZE\nSELECT 0\n"
          b"DEL gen:srv:k gen:srv:h gen:srv:n\n")


def test_server_under_library(gen, redis_server, preloaded_redis):
    out = []
    for port in (redis_server.port, preloaded_redis.port):
        res = gen.run(cli(port), preload=False, input=SCRIPT)
        assert res.rc == 0, res.describe()
        out.append(res.stdout)
        res = gen.run(cli(port, "-3"), preload=False, input=b"HGETALL gen:none\nCONFIG GET maxmemory\n")
        out.append(res.stdout)
    assert out[0] == out[2] and out[1] == out[3], out
    bench = gen.run([tool("redis-benchmark"), "-h", "127.0.0.1", "-p", str(preloaded_redis.port), "-n", "3000",
                     "-c", "10", "-P", "8", "-t", "get,set,lpush,lpop", "--csv"], preload=False)
    assert bench.rc == 0 and bench.stdout.count(b"\n") == 5, bench.describe()
    assert preloaded_redis.stop() == 0
    files = read_span_files(preloaded_redis.workdir)
    spans = [r for recs in files.values() for r in recs if r["type"] == "span"]
    assert not [s for s in spans if s["attributes"].get("db.system.name") == "redis"], spans

"""The Redis parsers, session, hooks and exporter-side rendering under AddressSanitizer + UBSan
(`make asan`): every kind of client, no sanitizer report, the same spans as the normal build."""
from conftest import BUILD, prog, tool
from test_core_asan import ENV, SAN_ERRORS, asan_preload  # noqa: F401  (module fixture)
from test_redis_cli import SCRIPT
from test_redis_clients import REDIS_PY, RESP3_RAW
from test_redis_common import cli, names, py, redis_spans


def _run(gen, preload, argv, env=None, input=None):
    res = gen.run([tool("timeout"), "120"] + argv, ld_preload=preload, env=dict(ENV, **(env or {})),
                  input=input, timeout=150)
    for marker in SAN_ERRORS:
        assert marker not in res.stderr, f"sanitizer report:\n{res.stderr.decode(errors='replace')[-6000:]}"
    assert res.rc == 0, res.describe()
    return res


def test_clients_under_asan(gen, redis_server, asan_preload):
    port = redis_server.port
    res = _run(gen, asan_preload, cli(port), input=SCRIPT, env={"GENESIS_REDIS_ARGS": "all"})
    assert "CLIENT SETNAME" in names(redis_spans(res))
    res = _run(gen, asan_preload, cli(port, "-3"), input=b"HELLO 3\nMULTI\nSET gen:asan 1\nINCR gen:asan\nEXEC\n"
                                                        b"DEL gen:asan\n")
    assert "MULTI" in names(redis_spans(res))
    res = _run(gen, asan_preload, [prog("redis_hiredis"), str(port)])
    assert len(redis_spans(res)) == 17, names(redis_spans(res))
    res = _run(gen, asan_preload, [prog("redis_rtld"), str(BUILD / "tests" / "progs" / "redis_ext.so"), str(port)])
    assert names(redis_spans(res)) == ["SET", "GET", "DEL"]
    _run(gen, asan_preload, py(RESP3_RAW, port))
    res = _run(gen, asan_preload, py(REDIS_PY, port))
    assert "MULTI SET" in names(redis_spans(res))
    n = 400
    data = b"".join(b"SET gen:asan:%d %d\r\n" % (i, i) for i in range(n))
    res = _run(gen, asan_preload, cli(port, "--pipe"), input=data)
    assert sum(s["attributes"].get("db.operation.batch.size", 1) for s in redis_spans(res)) == n + 1
    _run(gen, asan_preload, [tool("redis-benchmark"), "-h", "127.0.0.1", "-p", str(port), "-n", "2000", "-c", "4",
                             "-P", "16", "-t", "get,set,lpush,lpop", "-q"], env={"GENESIS_QUEUE_SIZE": "16384"})

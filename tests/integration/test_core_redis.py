"""redis-cli against a real redis-server: same output, one connect span."""
from conftest import assert_span_shape, assert_tcp_connect_span, tool

# State is restored at the end so the bare and the preloaded run print the same thing.
COMMANDS = b"PING\nSET genesis:it v1\nGET genesis:it\nINCR genesis:n\nDEL genesis:it genesis:n\nGET genesis:it\n"


def test_redis_cli(gen, redis_server):
    argv = [tool("redis-cli"), "-h", "127.0.0.1", "-p", str(redis_server.port)]
    bare, pre = gen.compare(argv, input=COMMANDS)
    assert pre.stdout == b"PONG\nOK\nv1\n1\n2\n\n", pre.stdout

    spans = pre.connect_spans(pre.pid)
    assert len(spans) == 1, pre.describe()
    assert_span_shape(spans[0], pre)
    assert_tcp_connect_span(spans[0], redis_server.port)
    res = spans[0]["resource"]
    assert res["process.pid"] == pre.pid, res
    assert res["process.executable.name"] == "redis-cli", res
    assert res["service.name"] == "unknown_service:redis-cli", res


def test_redis_cli_one_shot_commands(gen, redis_server):
    """Argument form, several processes in a row: each one its own file and span."""
    base = [tool("redis-cli"), "-h", "127.0.0.1", "-p", str(redis_server.port)]
    for cmd in (["PING"], ["ECHO", "genesis"], ["DBSIZE"]):
        bare, pre = gen.compare(base + cmd)
        assert list(pre.files) == [pre.pid], pre.describe()
        spans = pre.connect_spans()
        assert len(spans) == 1, pre.describe()
        assert_tcp_connect_span(spans[0], redis_server.port)

"""AUTH and HELLO … AUTH arguments never reach any exported byte, whatever GENESIS_REDIS_ARGS says,
for every kind of client (redis-cli, redis-py, a libhiredis program)."""
from conftest import prog
from test_redis_common import PASSWORD, cli, names, py, redis_auth_server, redis_spans  # noqa: F401

REDIS_PY = r"""
import sys, redis
r = redis.Redis(host='127.0.0.1', port=int(sys.argv[1]), password=sys.argv[2])
print(r.set('gen:auth:k', 'v'), r.get('gen:auth:k'), r.delete('gen:auth:k'))
"""


def exported_bytes(res):
    return b"".join(p.read_bytes() for p in res.outdir.iterdir())


def test_password_never_exported(gen, redis_auth_server):
    port = redis_auth_server.port
    runs = []
    for mode in ("all", "keys", "none"):
        env = {"GENESIS_REDIS_ARGS": mode, "REDISCLI_AUTH": None}
        runs.append(gen.compare(cli(port, "-a", PASSWORD, "--no-auth-warning", "PING"), env=env)[1])
        runs.append(gen.compare(cli(port), input=f"AUTH default {PASSWORD}\nPING\n".encode(), env=env)[1])
        hello = gen.run(cli(port), env=env,          # HELLO prints the connection id: no compare
                        input=f"HELLO 3 AUTH default {PASSWORD} SETNAME gen-auth\nPING\n".encode())
        assert hello.rc == 0 and b"proto\n3\n" in hello.stdout.replace(b" ", b"\n"), hello.describe()
        runs.append(hello)
        runs.append(gen.compare(py(REDIS_PY, port, PASSWORD), env=env)[1])
        runs.append(gen.compare([prog("redis_hiredis"), str(port), PASSWORD], env=env)[1])
    for res in runs:
        data = exported_bytes(res)
        assert data, res.describe()
        assert PASSWORD.encode() not in data, res.describe()
        assert PASSWORD[:12].encode() not in data, res.describe()
        spans = [s for s in redis_spans(res) if not s["name"].startswith("COMMAND")]   # redis-cli, pre-AUTH
        assert any(n in ("AUTH", "HELLO") for n in names(spans)), names(spans)
        codes = [s["attributes"].get("db.response.status_code") for s in spans]
        assert "NOAUTH" not in codes and "WRONGPASS" not in codes, spans    # authenticated
    texts = {s["attributes"]["db.query.text"] for r in runs[:5] for s in redis_spans(r)
             if s["name"] in ("AUTH", "HELLO")}
    assert texts == {"AUTH ?", "AUTH ? ?", "HELLO 3 AUTH ? ? SETNAME gen-auth"}, texts


def test_noauth_error(gen, redis_auth_server):
    bare, pre = gen.compare(cli(redis_auth_server.port, "GET", "k"), env={"REDISCLI_AUTH": None})
    (span,) = redis_spans(pre)
    assert span["status"]["code"] == "ERROR"
    assert span["attributes"]["db.response.status_code"] == "NOAUTH"

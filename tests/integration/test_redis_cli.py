"""redis-cli (its own copy of hiredis: only the wire parser sees it) against a real redis-server:
single commands, SELECT, a WRONGTYPE error, MULTI/EXEC, --pipe, RESP3 after HELLO 3, and inline
commands found by the port hint. Same output with and without the library."""
from conftest import assert_span_shape
from test_redis_common import assert_redis_span, by_time, cli, names, redis_spans

SCRIPT = (b"PING\nSET gen:cli:k v1\nGET gen:cli:k\nhset gen:cli:h f 1\nGET gen:cli:h\n"
          b"CLIENT SETNAME genesis-cli\nSELECT 3\nSET gen:cli:db3 x\nGET gen:cli:db3\nDEL gen:cli:db3\n"
          b"SELECT 0\nDEL gen:cli:k gen:cli:h\n")


def test_single_commands(gen, redis_server):
    port = redis_server.port
    bare, pre = gen.compare(cli(port), input=SCRIPT)
    assert b"WRONGTYPE" in pre.stdout, pre.stdout
    spans = [s for s in by_time(redis_spans(pre, pre.pid)) if s["name"] != "COMMAND DOCS"]
    assert names(spans) == ["PING", "SET", "GET", "HSET", "GET", "CLIENT SETNAME", "SELECT", "SET", "GET",
                            "DEL", "SELECT", "DEL"], names(spans)
    for s in spans:
        assert_span_shape(s, pre)
    assert_redis_span(spans[0], port, "PING")
    assert spans[1]["attributes"]["db.query.text"] == "SET gen:cli:k ?"
    assert spans[2]["attributes"]["db.query.text"] == "GET gen:cli:k"
    assert spans[3]["attributes"]["db.operation.name"] == "HSET"                # upper-cased
    assert spans[3]["attributes"]["db.query.text"] == "hset gen:cli:h ? ?"      # text as sent
    assert_redis_span(spans[4], port, "GET", status="ERROR", code="WRONGTYPE")
    assert spans[5]["attributes"]["db.query.text"] == "CLIENT SETNAME ?"
    assert [s["attributes"]["db.namespace"] for s in spans] == ["0"] * 7 + ["3", "3", "3", "3", "0"]
    for s in spans[5:]:
        assert_redis_span(s, port)
    # one connection, each command its own span, in order and not overlapping
    for a, b in zip(spans, spans[1:]):
        assert a["end_time_unix_nano"] <= b["start_time_unix_nano"], (a, b)


def test_one_shot_and_args_modes(gen, redis_server):
    port = redis_server.port
    gen.compare(cli(port, "SET", "gen:cli:mode", "secret value"))
    for mode, text in (("none", "GET ?"), ("keys", "GET gen:cli:mode"), ("all", "GET gen:cli:mode"),
                       (None, "GET gen:cli:mode")):
        bare, pre = gen.compare(cli(port, "GET", "gen:cli:mode"), env={"GENESIS_REDIS_ARGS": mode})
        assert pre.stdout == b"secret value\n"
        (span,) = [s for s in redis_spans(pre) if s["name"] == "GET"]
        assert span["attributes"]["db.query.text"] == text, (mode, span)
    bare, pre = gen.compare(cli(port, "SET", "gen:cli:mode", "secret value"), env={"GENESIS_REDIS_ARGS": "all"})
    (span,) = [s for s in redis_spans(pre) if s["name"] == "SET"]
    assert span["attributes"]["db.query.text"] == 'SET gen:cli:mode "secret value"'
    gen.run(cli(port, "DEL", "gen:cli:mode"), preload=False)


def test_multi_exec(gen, redis_server):
    port = redis_server.port
    script = b"MULTI\nSET gen:tx:a 1\nINCR gen:tx:a\nEXEC\nMULTI\nSET gen:tx:b 1\nSET gen:tx:c 2\nEXEC\n" \
             b"MULTI\nINCR gen:tx:b\nLPUSH gen:tx:b x\nEXEC\nDEL gen:tx:a gen:tx:b gen:tx:c\n"
    bare, pre = gen.compare(cli(port), input=script)
    assert b"QUEUED" in pre.stdout and b"WRONGTYPE" in pre.stdout, pre.stdout
    spans = [s for s in by_time(redis_spans(pre)) if s["name"] != "COMMAND DOCS"]
    assert names(spans) == ["MULTI", "MULTI SET", "MULTI", "DEL"], names(spans)
    a = [s["attributes"] for s in spans]
    assert a[0]["db.operation.batch.size"] == 2 and a[0]["db.query.text"] == "SET gen:tx:a ?; INCR gen:tx:a"
    assert a[1]["db.operation.batch.size"] == 2 and a[1]["db.query.text"] == "SET gen:tx:b ?; SET gen:tx:c ?"
    assert_redis_span(spans[0], port, "MULTI")
    assert_redis_span(spans[2], port, "MULTI", status="ERROR", code="WRONGTYPE")   # an EXEC element failed
    assert "db.operation.batch.size" not in a[3]


def test_pipe_mode(gen, redis_server):
    """--pipe writes everything before reading: pipelines, and every command is counted once."""
    port = redis_server.port
    n = 3000
    data = b"".join(b"SET gen:pipe:%d %d\r\n" % (i, i) for i in range(n)) + b"DEL gen:pipe:0\r\n"
    bare, pre = gen.compare(cli(port, "--pipe"), input=data, env={"GENESIS_QUEUE_SIZE": "16384"})
    assert b"errors: 0, replies: %d" % (n + 1) in pre.stdout, pre.stdout
    spans = redis_spans(pre)
    total = sum(s["attributes"].get("db.operation.batch.size", 1) for s in spans)
    assert total == n + 2, [(s["name"], s["attributes"].get("db.operation.batch.size")) for s in spans]   # + ECHO
    for s in spans:
        if s["attributes"].get("db.operation.batch.size", 1) > 1:
            assert s["name"] in ("PIPELINE", "PIPELINE SET"), s
    gen.compare(cli(port, "EVAL", "for i=0,3000 do redis.call('DEL','gen:pipe:'..i) end", "0"))


def test_resp3_hello(gen, redis_server):
    port = redis_server.port
    script = b"HSET gen:r3 a 1 b 2\nHGETALL gen:r3\nCONFIG GET maxmemory\nSMEMBERS gen:none\nDEL gen:r3\n"
    bare, pre = gen.compare(cli(port, "-3"), input=script)
    spans = [s for s in by_time(redis_spans(pre)) if s["name"] != "COMMAND DOCS"]
    assert names(spans) == ["HELLO", "HSET", "HGETALL", "CONFIG GET", "SMEMBERS", "DEL"], names(spans)
    assert spans[0]["attributes"]["db.query.text"] == "HELLO ?"
    for s in spans:
        assert_redis_span(s, port)


def test_inline_and_port_hint(gen, redis_server):
    """Inline commands: known words are found on any port; any word on a GENESIS_REDIS_PORTS port."""
    port = redis_server.port
    code = ("import socket,sys\ns=socket.create_connection(('127.0.0.1',int(sys.argv[1])))\n"
            "for line in sys.argv[2:]:\n"
            "    s.sendall(line.encode()+b'\\r\\n'); print(s.recv(100).split(b'\\r\\n')[0].decode()[:1])\n")
    from test_redis_common import py
    bare, pre = gen.compare(py(code, port, "PING", "ECHO hi"))
    assert names(redis_spans(pre)) == ["PING", "ECHO"]
    bare, pre = gen.compare(py(code, port, "DBSIZE", "PING"))
    assert names(redis_spans(pre)) == ["DBSIZE", "PING"]          # DBSIZE is a known first word
    bare, pre = gen.compare(py(code, port, "TIME", "PING"))
    assert names(redis_spans(pre)) == []                          # TIME is not: not followed
    bare, pre = gen.compare(py(code, port, "TIME", "PING"), env={"GENESIS_REDIS_PORTS": f"1234,{port}"})
    assert names(redis_spans(pre)) == ["TIME", "PING"]


def test_bad_configuration_warns_once(gen, redis_server):
    res = gen.run(cli(redis_server.port, "PING"), env={"GENESIS_REDIS_ARGS": "everything"})
    assert res.rc == 0 and res.stdout == b"PONG\n"
    assert res.stderr.count(b"genesis: GENESIS_REDIS_ARGS") == 1, res.stderr
    (span,) = [s for s in redis_spans(res) if s["name"] == "PING"]
    assert span["attributes"]["db.query.text"] == "PING"

"""A bad configuration value: exactly one `genesis:` warning on stderr, defaults used, the program
unaffected. GENESIS_LOG_LEVEL=off silences it."""
import pytest

from conftest import HELLO, PY, free_port, prog, tool


def _one_warning(bare, pre):
    assert (pre.rc, pre.stdout) == (bare.rc, bare.stdout), f"BARE {bare.describe()}\nPRE {pre.describe()}"
    b = bare.stderr.splitlines(keepends=True)
    p = pre.stderr.splitlines(keepends=True)
    extra = [ln for ln in p if ln.startswith(b"genesis: ")]
    assert len(extra) == 1, f"want exactly one genesis: line, got {extra!r}"
    assert [ln for ln in p if not ln.startswith(b"genesis: ")] == b, "the program's own stderr changed"
    assert extra[0].endswith(b"\n"), extra
    return extra[0].decode()


BAD = [
    ({"OTEL_TRACES_SAMPLER": "bogus"}, "OTEL_TRACES_SAMPLER"),
    ({"OTEL_TRACES_SAMPLER": "traceidratio", "OTEL_TRACES_SAMPLER_ARG": "1.5"}, "OTEL_TRACES_SAMPLER_ARG"),
    ({"GENESIS_QUEUE_SIZE": "lots"}, "GENESIS_QUEUE_SIZE"),
    ({"GENESIS_EXIT_FLUSH_MS": "-5"}, "GENESIS_EXIT_FLUSH_MS"),
    ({"OTEL_SDK_DISABLED": "maybe"}, "OTEL_SDK_DISABLED"),
    ({"GENESIS_LOG_LEVEL": "chatty"}, "GENESIS_LOG_LEVEL"),
    ({"OTEL_RESOURCE_ATTRIBUTES": "novalue,k=%zz"}, "OTEL_RESOURCE_ATTRIBUTES"),
]


@pytest.mark.parametrize("env,var", BAD, ids=[v for _, v in BAD])
def test_bad_value_one_warning_curl(gen, http_server, env, var):
    argv = [tool("curl"), "-s", "--noproxy", "*", http_server.url("/hello.txt")]
    bare = gen.run(argv, preload=False, env=env)
    pre = gen.run(argv, env=env)
    assert pre.stdout == HELLO
    line = _one_warning(bare, pre)
    assert var in line, line
    # The default took over: the connect span is still exported.
    assert len(pre.connect_spans(pre.pid)) == 1, pre.describe()


def test_bad_value_many_threads_still_one_line(gen):
    """16 threads hitting the hooks at once: still one warning per process, not one per thread."""
    argv = [prog("threads_connect"), "16", "50"]
    env = {"OTEL_TRACES_SAMPLER": "bogus", "GENESIS_QUEUE_SIZE": "8192"}
    bare = gen.run(argv, preload=False, env=env)
    pre = gen.run(argv, env=env)
    assert bare.rc == 0
    _one_warning(bare, pre)
    assert len(pre.connect_spans()) == 16 * 50, pre.describe()
    me = pre.self_line(pre.pid)
    assert (me["operations"], me["spans_exported"], me["dropped_queue_full"]) == (800, 800, 0), me


def test_two_bad_values_two_lines(gen, http_server):
    argv = [tool("curl"), "-s", "--noproxy", "*", http_server.url("/hello.txt")]
    env = {"OTEL_TRACES_SAMPLER": "bogus", "GENESIS_QUEUE_SIZE": "lots"}
    bare = gen.run(argv, preload=False, env=env)
    pre = gen.run(argv, env=env)
    assert pre.stdout == bare.stdout == HELLO
    lines = pre.stderr.decode().splitlines()
    assert len(lines) == 2 and all(ln.startswith("genesis: ") for ln in lines), lines
    assert any("OTEL_TRACES_SAMPLER" in ln for ln in lines) and any("GENESIS_QUEUE_SIZE" in ln for ln in lines)


def test_log_level_off_silences_warnings(gen, http_server):
    argv = [tool("curl"), "-s", "--noproxy", "*", http_server.url("/hello.txt")]
    bare, pre = gen.compare(argv, env={"OTEL_TRACES_SAMPLER": "bogus", "GENESIS_LOG_LEVEL": "off"})
    assert pre.stderr == b""
    assert len(pre.connect_spans(pre.pid)) == 1, pre.describe()


def test_program_stderr_kept_around_the_warning(gen):
    """A program with its own stderr output: the warning is added, nothing of the program's lost."""
    dead = free_port()   # nothing listens there
    script = ("import socket, sys\n"
              "sys.stderr.write('own line 1\\n'); sys.stderr.flush()\n"
              "s = socket.socket()\n"
              "try:\n"
              f"    s.connect(('127.0.0.1', {dead}))\n"
              "except ConnectionRefusedError:\n"
              "    print('refused')\n"
              "sys.stderr.write('own line 2\\n')\n")
    argv = [PY, "-c", script]
    env = {"OTEL_TRACES_SAMPLER": "bogus"}
    bare = gen.run(argv, preload=False, env=env)
    pre = gen.run(argv, env=env)
    assert bare.rc == 0 and bare.stdout == b"refused\n" and bare.stderr == b"own line 1\nown line 2\n", \
        bare.describe()
    _one_warning(bare, pre)
    spans = pre.connect_spans(pre.pid)
    assert len(spans) == 1, pre.describe()
    assert spans[0]["status"]["code"] == "ERROR", spans[0]
    assert spans[0]["attributes"].get("error.type") == "ECONNREFUSED", spans[0]

"""OTEL_SDK_DISABLED=true / GENESIS_DISABLED=1: pure pass-through, no thread, no output."""
import pytest

from conftest import HELLO, assert_same_behaviour, prog, tool


def _tasks(res):
    assert res.rc == 0, res.describe()
    line = res.stdout.decode().strip()
    assert line.startswith("tasks="), res.describe()
    return int(line.split("=")[1])


def test_enabled_library_has_its_thread(gen):
    """Control: the method below can see the library's thread when the library is on."""
    bare = gen.run([prog("task_count")], preload=False)
    pre = gen.run([prog("task_count")])
    assert _tasks(bare) == 1, bare.describe()
    assert _tasks(pre) > _tasks(bare), f"no exporter thread seen\n{pre.describe()}"
    assert pre.connect_spans(), pre.describe()


@pytest.mark.parametrize("env", [{"OTEL_SDK_DISABLED": "true"}, {"OTEL_SDK_DISABLED": "TRUE"},
                                 {"GENESIS_DISABLED": "1"}, {"GENESIS_DISABLED": "true"},
                                 {"OTEL_SDK_DISABLED": "true", "GENESIS_DISABLED": "1"}],
                         ids=lambda e: ",".join(f"{k}={v}" for k, v in e.items()))
def test_disabled_is_pass_through(gen, env):
    bare = gen.run([prog("task_count")], preload=False, env=env)
    pre = gen.run([prog("task_count")], env=env)
    assert_same_behaviour(bare, pre)           # includes the thread count it prints
    assert _tasks(pre) == _tasks(bare) == 1
    assert pre.files == {}, f"span files written while disabled: {pre.describe()}"
    assert not list(pre.outdir.iterdir()), list(pre.outdir.iterdir())


def test_every_exporter_none_starts_nothing(gen):
    """Every exporter `none`: nothing could be seen, so nothing starts — no thread (a 1 MB
    stack per process), no descriptor, no byte changed."""
    env = {"OTEL_TRACES_EXPORTER": "none", "OTEL_METRICS_EXPORTER": "none"}
    bare = gen.run([prog("task_count")], preload=False, env=env)
    pre = gen.run([prog("task_count")], env=env)
    assert_same_behaviour(bare, pre)
    assert _tasks(pre) == _tasks(bare) == 1


def test_disabled_curl(gen, http_server):
    argv = [tool("curl"), "-sS", "--noproxy", "*", http_server.url("/hello.txt")]
    bare, pre = gen.compare(argv, env={"OTEL_SDK_DISABLED": "true"})
    assert pre.stdout == HELLO
    assert not list(pre.outdir.iterdir()), list(pre.outdir.iterdir())


def test_disabled_false_means_enabled(gen):
    """OTEL_SDK_DISABLED=false is not 'disabled'."""
    pre = gen.run([prog("task_count")], env={"OTEL_SDK_DISABLED": "false"})
    assert pre.rc == 0 and pre.stderr == b"", pre.describe()
    assert len(pre.connect_spans(pre.pid)) == 2, pre.describe()

"""GENESIS_INCLUDE / GENESIS_EXCLUDE: fnmatch globs on the executable name."""
from conftest import HELLO, tool


def _script(http_server):
    # bash connects itself (/dev/tcp) and then runs curl as a child (not exec'd: `; true`).
    curl = tool("curl")
    return [tool("bash"), "-c",
            f'exec 3<>/dev/tcp/127.0.0.1/{http_server.port}; exec 3>&-; '
            f'"{curl}" -s --noproxy "*" {http_server.url("/hello.txt")}; true']


def _exe_names(res):
    return sorted(s["resource"]["process.executable.name"] for s in res.connect_spans())


def test_everything_included_by_default(gen, http_server):
    bare, pre = gen.compare(_script(http_server))
    assert pre.stdout == HELLO
    assert _exe_names(pre) == ["bash", "curl"], pre.describe()
    bash_spans = pre.connect_spans(pre.pid)
    assert len(bash_spans) == 1 and bash_spans[0]["name"] == f"connect 127.0.0.1:{http_server.port}"


def test_exclude_curl(gen, http_server):
    bare, pre = gen.compare(_script(http_server), env={"GENESIS_EXCLUDE": "curl"})
    assert pre.stdout == HELLO
    assert _exe_names(pre) == ["bash"], pre.describe()
    # The excluded process wrote nothing at all: the only file is bash's.
    assert list(pre.files) == [pre.pid], pre.describe()


def test_exclude_glob_list(gen, http_server):
    bare, pre = gen.compare(_script(http_server), env={"GENESIS_EXCLUDE": "nothing, cu*"})
    assert _exe_names(pre) == ["bash"], pre.describe()


def test_include_bash_excludes_curl(gen, http_server):
    bare, pre = gen.compare(_script(http_server), env={"GENESIS_INCLUDE": "bash"})
    assert pre.stdout == HELLO
    assert _exe_names(pre) == ["bash"], pre.describe()
    assert list(pre.files) == [pre.pid], pre.describe()


def test_include_curl_excludes_bash(gen, http_server):
    bare, pre = gen.compare(_script(http_server), env={"GENESIS_INCLUDE": "c?rl"})
    assert _exe_names(pre) == ["curl"], pre.describe()
    assert pre.pid not in pre.files, pre.describe()


def test_exclude_wins_over_include(gen, http_server):
    bare, pre = gen.compare(_script(http_server), env={"GENESIS_INCLUDE": "*", "GENESIS_EXCLUDE": "bash"})
    assert _exe_names(pre) == ["curl"], pre.describe()

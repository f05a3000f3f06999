"""The MySQL paths (wire parser, spans, libmariadb hooks incl. the RTLD_LOCAL fallback) under the
AddressSanitizer + UBSan build of the library: no sanitizer report, same output as bare."""
import pytest

from conftest import prog, tool
from test_core_asan import ENV, SAN_ERRORS, asan_preload  # noqa: F401  (fixture)
from test_mysql_clients import MYSQLDB, PYMYSQL
from test_mysql_support import LITERAL, PASSWORD, USER, assert_no_secrets, db_spans, python, start_mariadb


@pytest.fixture(scope="module")
def mariadb(tmp_path_factory):
    srv = start_mariadb(tmp_path_factory, "mariadb-asan")
    yield srv
    srv.stop()


def _run(gen, asan_preload, argv):  # noqa: F811
    bare = gen.run(argv, preload=False)
    res = gen.run([tool("timeout"), "120"] + argv, ld_preload=asan_preload, env=ENV, timeout=150)
    for marker in SAN_ERRORS:
        assert marker not in res.stderr, f"sanitizer report:\n{res.stderr.decode(errors='replace')[-6000:]}"
    assert (res.rc, res.stdout) == (bare.rc, bare.stdout), res.describe()
    assert_no_secrets(res)
    return res


@pytest.mark.parametrize("mode,extra,spans", [("text", [], 9), ("prepared", [], 102),
                                              ("prepared", ["compress"], 102)])
def test_asan_c_client(gen, asan_preload, mariadb, mode, extra, spans):  # noqa: F811
    argv = [prog("mysql_client"), mode, "127.0.0.1", str(mariadb.port), USER, PASSWORD, "test"] + extra
    res = _run(gen, asan_preload, argv)
    assert len(db_spans(res)) == spans, [s["name"] for s in db_spans(res)]


@pytest.mark.parametrize("compress", ["plain", "compress"])
def test_asan_mysqldb(gen, asan_preload, mariadb, compress):  # noqa: F811
    res = _run(gen, asan_preload, python(MYSQLDB, mariadb.port, USER, PASSWORD, compress, LITERAL))
    assert [s["name"] for s in db_spans(res)][-2:] == ["USE", "SELECT"]


def test_asan_pymysql(gen, asan_preload, mariadb):  # noqa: F811
    res = _run(gen, asan_preload, python(PYMYSQL, mariadb.port, USER, PASSWORD, LITERAL))
    assert db_spans(res)[-1]["name"] == "SELECT test.big"


@pytest.mark.parametrize("extra", [[], ["compress"]])
def test_asan_refused_login(gen, asan_preload, mariadb, extra):  # noqa: F811
    """A wrong password: the CONNECT span from the wire, adopted from the connect hook."""
    argv = [prog("mysql_client"), "text", "127.0.0.1", str(mariadb.port), USER, "wrong-password", "test"] + extra
    res = _run(gen, asan_preload, argv)
    spans = db_spans(res)
    assert [s["name"] for s in spans] == ["CONNECT"], [s["name"] for s in spans]
    assert spans[0]["attributes"]["db.response.status_code"] == "1045"

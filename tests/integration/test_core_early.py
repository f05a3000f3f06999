"""Hooks reached before the library's constructor: early_main links libearly.so, whose constructor
(run by the dynamic loader before ours) uses socketpair, read/write and a refused connect. The
calls must behave exactly as bare — the real symbols are resolved lazily — and the library must
still work normally once initialised (main's connect gets its span)."""
import subprocess

from conftest import BUILD, LIB, Runner


def early():
    path = BUILD / "tests" / "early" / "early_main"
    assert path.is_file(), f"{path} is missing: build it with `make` (mk/early.mk)"
    return str(path)


def test_loader_runs_the_early_constructor_first():
    """The premise of the test: libearly's initialiser really runs before ours."""
    env = {"LD_PRELOAD": str(LIB), "LD_DEBUG": "files", "OTEL_TRACES_EXPORTER": "none"}
    err = subprocess.run([early()], env=env, capture_output=True, text=True).stderr
    inits = [ln.split("calling init:")[1].strip() for ln in err.splitlines() if "calling init:" in ln]
    names = [p.rsplit("/", 1)[-1] for p in inits]
    assert "libearly.so" in names and "libgenesis_auto.so" in names, inits
    assert names.index("libearly.so") < names.index("libgenesis_auto.so"), inits


def test_calls_before_the_constructor_behave_as_bare(tmp_path):
    gen = Runner(tmp_path)
    bare, pre = gen.compare([early()])
    lines = pre.stdout.decode().splitlines()
    assert lines and all(ln.startswith("ok ") for ln in lines), pre.describe()
    assert "ok connect_refused" in lines and "ok main_connect_refused" in lines
    spans = pre.connect_spans()
    # Only main's connect is observed: before the constructor the library is a pass-through.
    assert len(spans) == 1, pre.describe()
    assert spans[0]["attributes"]["error.type"] == "ECONNREFUSED"
    assert spans[0]["status"]["code"] == "ERROR"

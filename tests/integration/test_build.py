"""`make` builds what a user installs — the library and genesis-view — and nothing that needs
a test dependency (cmocka, hiredis, libmariadb, Python protobuf code); `make build-all` adds the
rest. Checked on the commands make would run in an empty build tree (dry run)."""
import subprocess

from conftest import ROOT


def _plan(tmp_path, target):
    p = subprocess.run(["make", "-n", "-C", str(ROOT), f"BUILD={tmp_path}/b", target],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    return p.stdout


def test_plain_make_builds_only_the_library_and_viewer(tmp_path):
    plan = _plan(tmp_path, "all")
    assert "libgenesis_auto.so" in plan and "genesis-view" in plan
    for needle in ("-lcmocka", "-lhiredis", "mariadb", "--python_out", "tests/unit", "tests/progs",
                   "examples/im"):
        assert needle not in plan, needle


def test_build_all_adds_the_tests(tmp_path):
    plan = _plan(tmp_path, "build-all")
    for needle in ("-lcmocka", "tests/progs", "--python_out"):
        assert needle in plan, needle

"""Each real libc function is resolved on its first call (preload/real.h): by a direct lookup in
the objects loaded with the program, bounded by the last of them, so that it may run beside
another thread's dlopen/dlclose and in a signal handler. tests/progs/resolve_race makes the
process's first socket calls from 8 threads at once while the main thread loads and unloads
libraries, after a first write() made in a signal handler; every call is checked. Preloaded,
with spans exported, passed through (every exporter none) or disabled, the program must see
exactly what it sees bare, run after run."""
import pytest

from conftest import Runner, prog

CONFIGS = {
    "exported": {"OTEL_TRACES_EXPORTER": "console", "OTEL_METRICS_EXPORTER": "none",
                 "OTEL_LOGS_EXPORTER": "none"},
    "pass_through": {"OTEL_TRACES_EXPORTER": "none", "OTEL_METRICS_EXPORTER": "none",
                     "OTEL_LOGS_EXPORTER": "none"},
    "disabled": {"OTEL_SDK_DISABLED": "true"},
}


@pytest.mark.parametrize("config", sorted(CONFIGS))
def test_first_calls_racing_the_loader_behave_as_bare(tmp_path, config):
    gen = Runner(tmp_path)
    for _ in range(5):
        bare, pre = gen.compare([prog("resolve_race"), "300"], env=CONFIGS[config], timeout=60)
        lines = pre.stdout.decode().splitlines()
        assert len(lines) == 10 and all(ln.startswith("ok ") for ln in lines), pre.describe()

"""The include walls of the source tree hold (scripts/check-walls.py), and the checker does find
a breach of each wall."""
import subprocess

from conftest import PY, ROOT

CHECK = str(ROOT / "scripts" / "check-walls.py")


def test_the_tree_keeps_its_walls():
    p = subprocess.run([PY, CHECK], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stdout
    assert "every wall holds" in p.stdout


def test_checker_reports_each_breach(tmp_path):
    files = {
        "protocols/foo/foo.c": '#include <string.h>\n#include "protocols/foo/foo.h"\n'
                               '#include "preload/ring.h"\n#include <uthash.h>\n',
        "exporter/x.c": '#include "exporter/ops.h"\n#include "plugins/http/http_rec.h"\n',
        "hooks/io.c": '#include "hooks/hook.h"\n#include "exporter/exporter.h"\n',
        "plugins/foo/hook_lib.c": '#include "exporter/ops.h"\n',
        "plugins/foo/foo_emit.c": '#include "preload/emit.h"\n#include "exporter/attrs.h"\n',
        "plugins/foo/foo_ops.c": '#include "exporter/ops.h"\n#include "plugins/bar/bar_rec.h"\n',
        "preload/core.c": '#include "exporter/exporter.h"\n#include "exporter/ops.h"\n'
                          '#include "plugins/foo/foo_rec.h"\n',
    }
    for path, text in files.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text)
    p = subprocess.run([PY, CHECK, str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert p.returncode == 1, p.stdout
    breaches = sorted(ln.split(": #include ")[0] + " " + ln.split("'")[1]
                      for ln in p.stdout.splitlines() if ": #include " in ln)
    assert breaches == sorted([
        "protocols/foo/foo.c preload/ring.h", "protocols/foo/foo.c uthash.h",
        "exporter/x.c plugins/http/http_rec.h",
        "hooks/io.c exporter/exporter.h",
        "plugins/foo/hook_lib.c exporter/ops.h",
        "plugins/foo/foo_emit.c exporter/attrs.h",
        "plugins/foo/foo_ops.c plugins/bar/bar_rec.h",
        "preload/core.c exporter/ops.h", "preload/core.c plugins/foo/foo_rec.h",
    ]), p.stdout

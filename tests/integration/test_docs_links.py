"""The documentation's relative links resolve (scripts/check-doc-links.py), and the checker does
find a broken file link and a broken anchor."""
import subprocess

from conftest import PY, ROOT

CHECK = str(ROOT / "scripts" / "check-doc-links.py")


def test_every_relative_link_resolves():
    p = subprocess.run([PY, CHECK], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stdout


def test_checker_reports_broken_links(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.md").write_text("# Title\n\n## Some part\n")
    (tmp_path / "README.md").write_text(
        "[ok](docs/a.md#some-part) [gone](docs/b.md) [anchor](docs/a.md#other) [web](https://x.invalid/)\n")
    p = subprocess.run([PY, CHECK, str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert p.returncode == 1
    assert p.stdout.splitlines() == ["README.md: missing file docs/b.md",
                                     "README.md: missing anchor docs/a.md#other"]

"""What is shipped: the licence, and a source distribution that carries what its tests need."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def tracked_files() -> list[str]:
    """The files git tracks here; the test skips in an unpacked sdist (no git checkout)."""
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout (e.g. an unpacked sdist): nothing to compare with")
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return [name for name in listed.stdout.split("\0") if name]


def test_the_sdist_carries_every_file_of_the_repository_its_tests_read(tmp_path: Path) -> None:
    source = tmp_path / "source"
    for name in tracked_files():
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, source / name)
    build = "from setuptools import build_meta; print(build_meta.build_sdist(%r))"
    built = subprocess.run(
        [sys.executable, "-c", build % str(tmp_path / "dist")],
        cwd=source,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert built.returncode == 0, built.stderr
    archive = tmp_path / "dist" / built.stdout.strip().splitlines()[-1]
    with tarfile.open(archive) as sdist:
        shipped = {name.split("/", 1)[1] for name in sdist.getnames() if "/" in name}
    wanted = {name for name in tracked_files() if name != ".gitignore"}
    assert wanted - shipped == set()
    for needed in ("tests/test_notebooks.py", "notebooks/images/chain_rule_graph.svg",
                   "bench/workload.py", ".ci/run", "LICENSE"):  # fmt: skip
        assert needed in shipped


def test_the_licence_file_matches_the_declared_mit_licence() -> None:
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License\n\nCopyright (c) 2026 the chainrule authors\n")
    assert "WITHOUT WARRANTY OF ANY KIND" in text
    assert 'license = { text = "MIT" }' in (ROOT / "pyproject.toml").read_text(encoding="utf-8")

"""The lightest install, for real: a fresh venv, ``pip install .``, no extras.

No matplotlib, no tqdm, no torch: what many learners have. ``chainrule demo``
must still train, write the graph's SVG, say in one line what it skipped and
how to get it, and exit 0; ``chainrule --version`` and ``import engine, nn``
must work.

Marked ``install`` (it takes about 10 s: a venv and a wheel build, from pip's
cache): ``pytest -m "not install"`` leaves it out locally; CI runs it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = [
    pytest.mark.install,
    pytest.mark.skipif(
        shutil.which("dot") is None and not os.environ.get("CI"),
        reason="the demo's graph needs the Graphviz 'dot' program (required under CI)",
    ),
]

#: What ``pip install .`` needs from the source tree (what the sdist ships, minus tests).
PACKAGE_FILES = ("pyproject.toml", "README.md", "LICENSE", "MANIFEST.in", "engine", "nn")


def run(*command: object, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    return subprocess.run(
        [str(part) for part in command],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=300,
    )


@pytest.fixture(scope="module")
def light_venv(tmp_path_factory) -> Path:
    """A fresh venv with ``pip install .`` of a copy of the package: its ``bin`` folder."""
    base = tmp_path_factory.mktemp("light")
    source = base / "chainrule"
    source.mkdir()
    for name in PACKAGE_FILES:
        item = ROOT / name
        if item.is_dir():
            shutil.copytree(item, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(item, source / name)
    venv = base / "venv"
    # A venv without pip of its own (quicker to make); this pip installs into it,
    # exactly as the venv's own pip would: the same wheel build, the same files.
    made = run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=base)
    assert made.returncode == 0, made.stderr
    python = venv / "bin" / "python"
    install = run(sys.executable, "-m", "pip", "--python", python, "install", "-q", ".",
                  cwd=source)  # fmt: skip
    assert install.returncode == 0, install.stderr
    return venv / "bin"


def test_the_light_install_has_no_extras(light_venv: Path) -> None:
    probe = run(light_venv / "python", "-c", "import importlib.util as u; "
                "print([m for m in ('matplotlib', 'tqdm', 'torch', 'numpy') if u.find_spec(m)])",
                cwd=light_venv)  # fmt: skip
    assert probe.stdout.strip() == "[]", probe.stderr


def test_engine_and_nn_import_and_train(light_venv: Path, tmp_path: Path) -> None:
    code = (
        "import engine, nn\n"
        "from engine import Value\n"
        "x = Value(2.0); y = (x * x).sin(); y.backward()\n"
        "model = nn.MLP(2, [4, 1], seed=0)\n"
        "h = nn.fit(model, [[0.0, 1.0], [1.0, 0.0]], [1, -1], loss='hinge', epochs=3)\n"
        "print(engine.__file__.startswith(nn.__file__.rsplit('nn', 1)[0]), len(h.loss))\n"
    )
    result = run(light_venv / "python", "-c", code, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "True 3"
    where = run(light_venv / "python", "-c", "import engine; print(engine.__file__)", cwd=tmp_path)
    assert "site-packages" in where.stdout  # the installed copy, not the source tree


def test_version_and_licence(light_venv: Path, tmp_path: Path) -> None:
    result = run(light_venv / "chainrule", "--version", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "chainrule 0.1.0"
    files = "from importlib.metadata import files; print([f.name for f in files('chainrule')])"
    assert "'LICENSE'" in run(light_venv / "python", "-c", files, cwd=tmp_path).stdout


def test_demo_writes_the_graph_and_says_in_one_line_what_it_skipped(
    light_venv: Path, tmp_path: Path
) -> None:
    result = run(light_venv / "chainrule", "demo", "--epochs", "3", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    skipped = [line for line in result.stdout.splitlines() if "skipped" in line]
    assert len(skipped) == 1 and 'pip install "chainrule[plots]"' in skipped[0]
    pictures = tmp_path / "chainrule-demo"
    assert sorted(os.listdir(pictures)) == ["neuron_graph.svg", "training.html"]
    assert "<svg" in (pictures / "neuron_graph.svg").read_text(encoding="utf-8")
    assert "epoch 3/3" in result.stdout  # no tqdm: the plain progress lines

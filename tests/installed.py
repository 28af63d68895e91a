"""The bot as an operator installs it: the wheel built from the checkout's sources and
`pip install`ed into a new virtual environment outside it. Built once per test session and
shared by the packaging and deployment tests (the build and install take half a minute)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
# What the wheel is built from; the rest of the checkout (tests, docs) must not matter.
SOURCES = ("pyproject.toml", "README.md", "LICENSE", "LICENSES", "bot", "scenarios", "locales")


def run(*argv: str | Path, cwd: Path | None = None, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [str(a) for a in argv], cwd=cwd, env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, f"{argv} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="session")
def installed_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A virtual environment with the wheel and its dependencies, as pip installs them."""
    root = tmp_path_factory.mktemp("wheel")
    # pip builds a folder in place (build/, *.egg-info), so it builds a copy, not the checkout.
    source = root / "source"
    for name in SOURCES:
        origin = REPO / name
        if origin.is_dir():
            ignore = shutil.ignore_patterns("__pycache__", "*.egg-info")
            shutil.copytree(origin, source / name, ignore=ignore)
        else:
            source.mkdir(exist_ok=True)
            shutil.copy2(origin, source / name)
    run(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", root / "dist", source)
    (wheel,) = (root / "dist").glob("*.whl")
    run(sys.executable, "-m", "venv", root / "venv")
    run(root / "venv" / "bin" / "python", "-m", "pip", "install", "-q", wheel)
    return root / "venv"

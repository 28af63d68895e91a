from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


@pytest.fixture
def tool() -> Callable[[str, str], str]:
    """The path of a program; skipped where it is missing, a failure in CI (.ci/run installs it)."""

    def find(name: str, package: str) -> str:
        path = shutil.which(name) or shutil.which(name, path="/usr/sbin:/sbin")
        if path is None:
            message = f"{name} is missing (Debian package {package}; .ci/run installs it)"
            if os.environ.get("CI"):
                pytest.fail(message)
            pytest.skip(message)
        return path

    return find

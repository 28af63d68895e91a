"""Configuration from environment variables, with defaults that work from a checkout."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def content_dirs(env: Mapping[str, str] | None = None) -> tuple[Path, Path]:
    """Scenario and locale folders: BYSTANDER_SCENARIOS / BYSTANDER_LOCALES, else the checkout."""
    env = os.environ if env is None else env
    scenarios = Path(env.get("BYSTANDER_SCENARIOS") or PROJECT_ROOT / "scenarios")
    locales = Path(env.get("BYSTANDER_LOCALES") or PROJECT_ROOT / "locales")
    return scenarios, locales

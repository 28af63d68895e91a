"""deploy/bystander.service is a unit systemd accepts, hardened as docs/operations.md says."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from .conftest import DEPLOY

UNIT = DEPLOY / "bystander.service"
EXEC = "/opt/bystander/.venv/bin/bystander"


def settings() -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    for line in UNIT.read_text().splitlines():
        if "=" in line and not line.startswith(("#", ";")):
            key, _, value = line.partition("=")
            values.setdefault(key.strip(), []).append(value.strip())
    return values


def test_systemd_analyze_verify_accepts_the_unit(tool, tmp_path: Path) -> None:
    analyze = tool("systemd-analyze", "systemd")
    # ExecStart names the installed bot, which is not on this machine: a stub stands in.
    stub = tmp_path / "bystander"
    stub.write_text("#!/bin/sh\n")
    stub.chmod(0o755)
    unit = tmp_path / UNIT.name
    unit.write_text(UNIT.read_text().replace(EXEC, str(stub)))
    assert str(stub) in unit.read_text()
    result = subprocess.run(
        [analyze, "verify", "--man=no", str(unit)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0 and result.stderr == "", result.stderr


def test_no_setting_has_a_comment_after_its_value() -> None:
    """systemd takes `KEY=value # text` as part of the value (docs had such a unit once)."""
    for key, values in settings().items():
        for value in values:
            assert not re.search(r"\s[#;]", value), f"{key}={value}"


def test_the_unit_is_hardened_and_restarts_with_a_limit() -> None:
    unit = settings()
    assert unit["User"] == ["bystander"]
    assert unit["NoNewPrivileges"] == ["yes"]
    assert unit["ProtectSystem"] == ["strict"]
    assert unit["PrivateTmp"] == ["yes"]
    assert unit["ReadWritePaths"] == ["/var/lib/bystander /etc/bystander/keys"]
    assert unit["Restart"] == ["on-failure"] and unit["RestartSec"]
    assert unit["StartLimitBurst"] and unit["StartLimitIntervalSec"]
    assert unit["After"] == unit["Wants"] == ["network-online.target"]
    assert unit["EnvironmentFile"] == ["/etc/bystander/bystander.env"]
    assert unit["ExecStart"] == [f"{EXEC} run"]

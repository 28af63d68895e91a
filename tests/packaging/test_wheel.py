"""The wheel as an operator installs it: built, then `pip install`ed into a new virtual
environment outside the checkout, and run from a folder that has nothing to do with it."""

from __future__ import annotations

import os
import shutil
import tomllib
from pathlib import Path

import pytest
from installed import REPO, run

from bot.config import content_dirs

SHIPPED_IDS = sorted(p.parent.name for p in (REPO / "scenarios").glob("*/scenario.yaml"))


@pytest.fixture
def elsewhere(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """An unrelated working folder, and an environment that points at no checkout."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BYSTANDER_", "PYTHON"))}
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    return folder, env


def test_the_installed_command_lists_and_lints_the_shipped_scenarios(
    installed_venv, elsewhere
) -> None:
    folder, env = elsewhere
    bystander = installed_venv / "bin" / "bystander"
    version = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]
    assert run(bystander, "--version", cwd=folder, env=env) == f"bystander {version}\n"

    listed = run(bystander, "scenarios", cwd=folder, env=env)
    assert sorted(line.split("\t")[0] for line in listed.splitlines()) == SHIPPED_IDS

    linted = run(bystander, "lint", cwd=folder, env=env)
    assert f"{len(SHIPPED_IDS)} scenario(s) and the questionnaire checked: 0 error(s)" in linted


def test_the_installed_bot_reads_its_content_from_the_wheel(installed_venv, elsewhere) -> None:
    folder, env = elsewhere
    where = run(
        installed_venv / "bin" / "python",
        "-c",
        "from bot.config import content_dirs; print(*content_dirs(), sep='\\n')",
        cwd=folder,
        env=env,
    )
    site = installed_venv.resolve() / "lib"
    assert all(Path(line).is_relative_to(site) for line in where.splitlines()), where
    assert not any(Path(line).is_relative_to(REPO) for line in where.splitlines())


def test_a_center_points_the_installed_bot_at_its_own_scenarios(installed_venv, elsewhere) -> None:
    folder, env = elsewhere
    own = folder / "our-scenarios"
    shutil.copytree(REPO / "tests" / "fixtures" / "valid" / "minimal", own / "minimal")
    env["BYSTANDER_SCENARIOS"] = str(own)
    listed = run(installed_venv / "bin" / "bystander", "scenarios", cwd=folder, env=env)
    assert [line.split("\t")[0] for line in listed.splitlines()] == ["minimal"]


def test_the_wheel_carries_both_licences_and_says_so(installed_venv) -> None:
    metadata = run(
        installed_venv / "bin" / "python",
        "-c",
        "from importlib.metadata import distribution as d; m = d('bystander-bot'); "
        "print(m.metadata['License-Expression']); print(*m.metadata.get_all('License-File'))",
    )
    expression, files = metadata.splitlines()
    assert expression == "EUPL-1.2 AND CC-BY-SA-4.0"
    assert files.split() == ["LICENSE", "LICENSES/CC-BY-SA-4.0.txt", "scenarios/LICENSE"]


def test_pyproject_lists_every_package_of_the_source_tree() -> None:
    # The list is explicit (package-dir maps the content folders), so a new subpackage
    # left out of it would be missing only from installed bots: this catches that here.
    setuptools = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(setuptools["packages"]) - set(setuptools["package-dir"])
    inits = (REPO / "bot").rglob("__init__.py")
    found = {".".join(init.parent.relative_to(REPO).parts) for init in inits}
    assert listed == found


def test_a_checkout_reads_its_own_content_folders() -> None:
    assert content_dirs({}) == (REPO / "scenarios", REPO / "locales")
    assert content_dirs({"BYSTANDER_SCENARIOS": "/srv/ours", "BYSTANDER_LOCALES": "/srv/l"}) == (
        Path("/srv/ours"),
        Path("/srv/l"),
    )

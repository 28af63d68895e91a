"""The SQLCipher store beyond the PlayerStore contract (tests/storage/contract/): files,
encryption, rows on disk, atomicity under injected failures and full or read-only disks."""

import os
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
import sqlcipher3

from bot.storage import Profile, StorageUnavailable, UserData, pseudonym
from bot.storage.sqlite.store import SqlCipherStore

from .conftest import SCENARIO, Clock, choice, profile, raw_connect, run_state

USER = "a" * 64
OTHER = "b" * 64


async def play(store: SqlCipherStore, user: str, run_id: str = "abc123", choices: int = 2) -> None:
    """A user who agreed to saving, with a run in progress after some choices."""
    await store.save_profile(profile(user))
    await store.start_run(user, run_state(run_id))
    for step in range(choices):
        await store.save_progress(
            user, run_state(run_id, steps=step + 1), choice(run_id, step), False
        )


async def test_new_files_are_private(store: SqlCipherStore, db_path: Path) -> None:
    assert stat.S_IMODE(db_path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(db_path.stat().st_mode) == 0o600


@pytest.mark.parametrize(("age_band", "consent"), [("17", "save"), ("16_17", "declined")])
def test_profile_refuses_unknown_values(age_band: str, consent: str) -> None:
    with pytest.raises(ValueError):
        Profile(USER, "sv", age_band, consent)


async def test_describe_user_summarises_with_dates_only(
    store: SqlCipherStore, clock: Clock, db_path: Path
) -> None:
    await store.save_profile(profile(USER))
    clock.day = date(2025, 4, 2)
    await store.start_run(USER, run_state())
    await store.save_progress(USER, run_state(steps=1), choice(), True)

    assert await store.describe_user(USER) == UserData(
        profile=profile(USER),
        runs_started=1,
        runs_finished=1,
        choices=1,
        scenarios=(SCENARIO,),
        first_activity=date(2025, 3, 14),
        last_activity=date(2025, 4, 2),
    )
    connection = raw_connect(db_path)
    stamps = connection.execute("SELECT recorded_on FROM choices").fetchall()
    connection.close()
    assert stamps == [("2025-04-02",)]


@pytest.mark.parametrize(
    ("table", "finished"),
    [
        ("choices", False),
        ("active_runs", False),
        ("choices", True),
        ("runs", True),
        ("active_runs", True),
    ],
)
async def test_save_progress_is_all_or_nothing(
    store: SqlCipherStore, clock: Clock, db_path: Path, table: str, finished: bool
) -> None:
    await play(store, USER, choices=1)
    before = (await store.describe_user(USER), await store.get_active_run(USER))
    clock.day = date(2025, 5, 1)  # a committed activity date would show
    inject = raw_connect(db_path)
    for operation in ("INSERT", "UPDATE", "DELETE"):
        inject.execute(
            f"CREATE TRIGGER fail_{operation} BEFORE {operation} ON {table}"
            " BEGIN SELECT RAISE(ABORT, 'injected failure'); END"
        )

    with pytest.raises(sqlcipher3.IntegrityError, match="injected failure"):
        await store.save_progress(USER, run_state(steps=2), choice(step=1), finished)

    assert (await store.describe_user(USER), await store.get_active_run(USER)) == before
    for operation in ("INSERT", "UPDATE", "DELETE"):
        inject.execute(f"DROP TRIGGER fail_{operation}")
    inject.close()
    await store.save_progress(USER, run_state(steps=2), choice(step=1), finished)
    assert (await store.describe_user(USER)).choices == 2


async def test_nothing_readable_on_disk(store: SqlCipherStore, db_path: Path) -> None:
    telegram_id = 5550123456
    user = pseudonym(bytes(range(32, 64)), telegram_id)
    await play(store, user, choices=2)
    secrets = [str(telegram_id).encode(), SCENARIO.encode(), user.encode(), b"choice1"]

    def plaintext_found() -> list[bytes]:
        files = [p.read_bytes() for p in db_path.parent.iterdir()]
        return [s for s in secrets if any(s in data for data in files)]

    assert any(p.name.endswith("-wal") for p in db_path.parent.iterdir())
    assert plaintext_found() == []
    await store.close()
    assert plaintext_found() == []


async def test_a_full_disk_is_reported_and_rolled_back(store: SqlCipherStore) -> None:
    await play(store, USER, choices=1)
    before = (await store.describe_user(USER), await store.get_active_run(USER))
    db = store._db  # simulate a full disk: no page may be added to the file
    async with db.execute("PRAGMA page_count") as cursor:
        (pages,) = await cursor.fetchone()
    await db.execute(f"PRAGMA max_page_count = {pages}")
    big_state = run_state(steps=2000)

    with pytest.raises(StorageUnavailable, match="disk is full"):
        await store.save_progress(USER, big_state, choice(step=1), False)

    assert (await store.describe_user(USER), await store.get_active_run(USER)) == before
    await db.execute("PRAGMA max_page_count = 1000000")
    await store.save_progress(USER, big_state, choice(step=1), False)
    assert await store.get_active_run(USER) == big_state


async def test_a_read_only_database_is_reported(store: SqlCipherStore) -> None:
    await store.save_profile(profile(USER))
    await store._db.execute("PRAGMA query_only = ON")  # the connection refuses writes

    with pytest.raises(StorageUnavailable, match="read-only"):
        await store.start_run(USER, run_state())

    assert await store.get_active_run(USER) is None


def run_as_nobody() -> None:
    """Run this test again as the unprivileged user `nobody` (CI runs as root)."""
    setpriv = shutil.which("setpriv")
    if os.geteuid() != 0 or setpriv is None:
        pytest.skip("file permissions are not enforced, and no way to drop privileges")
    nobody = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", sys.executable]
    checkout = Path(__file__).resolve().parents[2]
    base = Path(tempfile.mkdtemp(prefix="as-nobody-"))  # pytest's own tmp is root's only
    base.chmod(0o777)
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "HOME": str(base)}
    try:
        if subprocess.run([*nobody, "-c", "import bot, pytest"], cwd=checkout, env=env,
                          capture_output=True, timeout=60).returncode:  # fmt: skip
            pytest.skip("this checkout cannot be read by an unprivileged user")
        test = f"{Path(__file__).resolve()}::test_a_read_only_file_is_reported"
        done = subprocess.run(
            [*nobody, "-m", "pytest", "-o", "addopts=", "-q", "-p", "no:cacheprovider",
             f"--basetemp={base / 't'}", test],
            cwd=checkout, env=env, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
    finally:
        shutil.rmtree(base, ignore_errors=True)
    assert done.returncode == 0 and "1 passed" in done.stdout, done.stdout + done.stderr


def permissions_enforced(folder: Path) -> bool:
    probe = folder / "probe"
    probe.touch(mode=0o400)
    try:
        probe.open("a").close()
    except PermissionError:
        return True
    return False  # root, or CAP_DAC_OVERRIDE


async def test_a_read_only_file_is_reported(
    store: SqlCipherStore, make_store: Callable[[], SqlCipherStore], db_path: Path, tmp_path: Path
) -> None:
    if not permissions_enforced(tmp_path):
        run_as_nobody()  # root ignores file modes: the same test, as a plain user
        return
    await store.save_profile(profile(USER))
    await store.close()
    db_path.chmod(0o400)
    db_path.parent.chmod(0o500)
    reopened = make_store()
    try:
        with pytest.raises(StorageUnavailable):
            await reopened.initialize()
            await reopened.start_run(USER, run_state())
    finally:
        await reopened.close()
        db_path.parent.chmod(0o700)
        db_path.chmod(0o600)

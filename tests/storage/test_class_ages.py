"""A class's age is stored with it; classes from before migration 011 count as 13–19."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot.engine.ages import WHOLE_AUDIENCE, of_school_year
from bot.storage.sqlite import database
from bot.storage.sqlite.classes import SqlCipherClassStore
from bot.storage.sqlite.database import load_migrations, open_database
from bot.storage.sqlite.store import SqlCipherStore

from .conftest import KEY


async def test_a_class_keeps_its_school_year_and_can_change_it(tmp_path: Path) -> None:
    store = SqlCipherStore(tmp_path / "bystander.db", KEY)
    await store.initialize()
    classes = SqlCipherClassStore(store)
    year_8 = of_school_year(8)
    made = await classes.create_class("worker", "8B", "code-8b", date(2030, 1, 1), year_8)
    assert (await classes.get_class(made.id)).age == year_8
    await classes.set_class_age(made.id, of_school_year(10))
    assert (await classes.class_by_code("code-8b")).age == of_school_year(10)
    await store.close()


async def test_a_class_made_before_classes_had_an_age_counts_as_13_to_19(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "bystander.db"
    before = [m for m in load_migrations() if m.version < 11]
    monkeypatch.setattr(database, "load_migrations", lambda: before)
    db = await open_database(path, KEY)
    await db.execute(
        "INSERT INTO classes (owner, name, code, created_on, expires_on)"
        " VALUES ('worker', '9A', 'code-9a', '2025-01-01', '2030-01-01')"
    )
    await db.commit()
    await db.close()
    monkeypatch.undo()

    store = SqlCipherStore(path, KEY)
    await store.initialize()
    [old] = await SqlCipherClassStore(store).classes_of("worker")
    assert old.name == "9A" and old.age == WHOLE_AUDIENCE
    await store.close()

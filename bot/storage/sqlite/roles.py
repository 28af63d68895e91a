"""Staff roles and what ends with them.

A staff member's powers end the moment their role does (revoked, or their data deleted):
their classes close, their sessions and lessons end, the mentors they invited lose their
role too, and the command menus set for all of them are marked for reset. Both
revocation (`SqlCipherClassStore.revoke_role`) and deletion (`erase_user`) call `strip_powers`
inside their own transaction, so either everything ends or nothing does.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from datetime import UTC, datetime
from typing import Any

import aiosqlite

from bot.storage.records import LEADING_ROLES, MENTOR, RESET_MENU, YOUTH_WORKER

_PEOPLE = "(SELECT value FROM json_each(:people))"


def _holds_none(person: str, roles: Collection[str]) -> str:
    """SQL: `person` holds no active grant of `roles`."""
    names = ", ".join(f"'{role}'" for role in roles)
    return (
        f"NOT EXISTS (SELECT 1 FROM roles g WHERE g.user = {person}"
        f" AND g.role IN ({names}) AND g.revoked_on IS NULL)"
    )


def stamp(moment: datetime) -> str:
    """A stored timestamp: UTC, ISO 8601, to the second (so text order is time order)."""
    if moment.tzinfo is None:
        raise ValueError("timestamps must be aware datetimes")
    return moment.astimezone(UTC).isoformat(timespec="seconds")


async def strip_powers(
    db: aiosqlite.Connection, people: Collection[str], today: str, now: str
) -> None:
    """End what `people` may no longer do now that some of their grants are gone (in the
    caller's transaction). A grant that is still active keeps its powers."""
    values = {"people": json.dumps(list(people)), "today": today, "now": now}
    mentors = await db.execute_fetchall(
        f"UPDATE roles SET revoked_on = :today WHERE role = '{MENTOR}' AND revoked_on IS NULL"
        f" AND invited_by IN {_PEOPLE} AND {_holds_none('roles.invited_by', [YOUTH_WORKER])}"
        " RETURNING user",
        values,
    )
    values["people"] = json.dumps([*people, *(row[0] for row in mentors)])
    no_longer_owner = _holds_none("classes.owner", [YOUTH_WORKER])
    await db.execute(
        "UPDATE classes SET closed_on = coalesce(closed_on, :today)"
        f" WHERE owner IN {_PEOPLE} AND {no_longer_owner}",
        values,
    )
    # Invitations to become their mentor that nobody used yet no longer open anything.
    await db.execute(
        f"DELETE FROM invitations WHERE used_on IS NULL AND invited_by IN {_PEOPLE}"
        f" AND {_holds_none('invitations.invited_by', [YOUTH_WORKER])}",
        values,
    )
    await db.execute(
        "UPDATE facilitations SET finished_on = :today WHERE finished_on IS NULL"
        f" AND owner IN {_PEOPLE} AND {_holds_none('facilitations.owner', LEADING_ROLES)}",
        values,
    )
    await end_lessons(
        db,
        f"(leader IN {_PEOPLE} AND {_holds_none('lessons.leader', LEADING_ROLES)})"
        " OR class_id IN (SELECT id FROM classes"
        f"  WHERE owner IN {_PEOPLE} AND {no_longer_owner})",
        values,
    )
    await db.execute(
        f"UPDATE command_menus SET menu = '{RESET_MENU}' WHERE menu != '' AND user IN {_PEOPLE}",
        values,
    )


async def end_lessons(db: aiosqlite.Connection, where: str, values: Mapping[str, Any]) -> int:
    """End the lessons not yet ended that `where` selects, and their plays still running;
    returns how many lessons ended. `values` gives :now (a `stamp`) and :today."""
    ended = await db.execute_fetchall(
        f"UPDATE lessons SET ended_at = :now WHERE ended_at IS NULL AND ({where}) RETURNING id",
        values,
    )
    await db.execute(
        "UPDATE facilitations SET finished_on = :today WHERE finished_on IS NULL"
        " AND lesson_id IN (SELECT value FROM json_each(:ended))",
        {"today": values["today"], "ended": json.dumps([row[0] for row in ended])},
    )
    return len(ended)

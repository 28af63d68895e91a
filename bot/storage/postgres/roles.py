"""Staff roles and what ends with them, on PostgreSQL: the same rules as
bot.storage.sqlite.roles. Revocation and deletion call `strip_powers` inside their own
transaction, so either everything ends or nothing does."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import date, datetime
from typing import Any

from psycopg import AsyncConnection

from bot.storage.records import LEADING_ROLES, MENTOR, RESET_MENU, YOUTH_WORKER

_PEOPLE = "ANY(%(people)s::text[])"


def _holds_none(person: str, roles: Collection[str]) -> str:
    """SQL: `person` holds no active grant of `roles`."""
    names = ", ".join(f"'{role}'" for role in roles)
    return (
        f"NOT EXISTS (SELECT 1 FROM roles g WHERE g.pseudonym = {person}"
        f" AND g.role IN ({names}) AND g.revoked_on IS NULL)"
    )


async def strip_powers(
    db: AsyncConnection, people: Collection[str], today: date, now: datetime
) -> None:
    """End what `people` may no longer do now that some of their grants are gone (in the
    caller's transaction). A grant that is still active keeps its powers."""
    values: dict[str, Any] = {"people": list(people), "today": today, "now": now}
    cursor = await db.execute(
        f"UPDATE roles SET revoked_on = %(today)s WHERE role = '{MENTOR}' AND revoked_on IS NULL"
        f" AND invited_by = {_PEOPLE} AND {_holds_none('roles.invited_by', [YOUTH_WORKER])}"
        " RETURNING pseudonym",
        values,
    )
    values["people"] = [*people, *(row[0] for row in await cursor.fetchall())]
    no_longer_owner = _holds_none("classes.owner", [YOUTH_WORKER])
    await db.execute(
        "UPDATE classes SET closed_on = coalesce(closed_on, %(today)s)"
        f" WHERE owner = {_PEOPLE} AND {no_longer_owner}",
        values,
    )
    # Invitations to become their mentor that nobody used yet no longer open anything.
    await db.execute(
        f"DELETE FROM invitations WHERE used_on IS NULL AND invited_by = {_PEOPLE}"
        f" AND {_holds_none('invitations.invited_by', [YOUTH_WORKER])}",
        values,
    )
    await db.execute(
        "UPDATE facilitations SET finished_on = %(today)s WHERE finished_on IS NULL"
        f" AND owner = {_PEOPLE} AND {_holds_none('facilitations.owner', LEADING_ROLES)}",
        values,
    )
    await end_lessons(
        db,
        f"(leader = {_PEOPLE} AND {_holds_none('lessons.leader', LEADING_ROLES)})"
        f" OR class_id IN (SELECT id FROM classes WHERE owner = {_PEOPLE} AND {no_longer_owner})",
        values,
    )
    await db.execute(
        f"UPDATE command_menus SET menu = '{RESET_MENU}' WHERE menu != ''"
        f" AND pseudonym = {_PEOPLE}",
        values,
    )


async def end_lessons(db: AsyncConnection, where: str, values: Mapping[str, Any]) -> int:
    """End the lessons not yet ended that `where` selects, and their plays still running;
    returns how many lessons ended. `values` gives now (a whole-second UTC time) and today."""
    cursor = await db.execute(
        "WITH ended AS (UPDATE lessons SET ended_at = %(now)s"
        f"  WHERE ended_at IS NULL AND ({where}) RETURNING id),"
        " plays AS (UPDATE facilitations SET finished_on = %(today)s"
        "  WHERE finished_on IS NULL AND lesson_id IN (SELECT id FROM ended))"
        " SELECT count(*) FROM ended",
        values,
    )
    (ended,) = await cursor.fetchone()
    return ended

"""Settings, staff roles, invitations, mentors, command menus, classes, assignments and class
results in PostgreSQL (bot.storage.ports.StaffStore), on the pool of `PostgresStore`.

Users appear only as pseudonyms; class results are read as counts, never as rows about a
person. Days are stored as dates and returned as ISO text, as the records keep them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from datetime import date
from typing import Any, Literal

from psycopg import AsyncConnection
from psycopg.types.json import Jsonb

from bot.engine.ages import WHOLE_AUDIENCE, ClassAge
from bot.privacy.class_view import Release, Tally
from bot.storage.postgres.roles import strip_powers
from bot.storage.postgres.store import PostgresStore
from bot.storage.records import (
    MENTOR,
    YOUTH_WORKER,
    ClassRecord,
    RoleGrant,
    ScenarioProgress,
    StepAnswers,
    answers_by_step,
)

_CLASS_COLUMNS = (
    "c.id, c.owner, c.name, c.code, c.expires_on, c.closed_on, c.age_min, c.age_max, c.school_year"
)
_GRANT_COLUMNS = "id, role, label, granted_on"


def _student(user: str) -> str:
    """SQL: `user` is a student of class `c`. Not its owner, never anyone who holds or held a
    staff role, and none of %(staff)s (the configured admins): staff trying the class as
    students would otherwise count towards K and make a small group look big enough."""
    return (
        f"{user} <> c.owner AND {user} NOT IN (SELECT pseudonym FROM roles)"
        f" AND {user} <> ALL(%(staff)s::text[])"
    )


def _day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _class(row: tuple[Any, ...]) -> ClassRecord:
    id_, owner, name, code, expires_on, closed_on, *age = row
    return ClassRecord.of_row((id_, owner, name, code, _day(expires_on), _day(closed_on), *age))


def _grant(row: tuple[Any, ...]) -> RoleGrant:
    id_, role, label, granted_on, *inviter_label = row
    return RoleGrant(id_, role, label, _day(granted_on), *inviter_label)


class PostgresClassStore:
    def __init__(self, store: PostgresStore) -> None:
        self.store = store

    async def _rows(self, sql: str, parameters: Any = None) -> list[tuple[Any, ...]]:
        async with self.store.transaction() as db:
            cursor = await db.execute(sql, parameters)
            return await cursor.fetchall()

    async def _write(self, sql: str, parameters: Any = None) -> int:
        """One statement in a transaction of its own; returns the rows it changed."""
        async with self.store.transaction() as db:
            cursor = await db.execute(sql, parameters)
            return cursor.rowcount

    # -- settings ------------------------------------------------------------------

    async def set_setting(self, key: str, value: str) -> None:
        await self._write(
            "INSERT INTO settings (key, value) VALUES (%s, %s)"
            " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    async def setting(self, key: str) -> str | None:
        row = await self.store.fetch_one("SELECT value FROM settings WHERE key = %s", (key,))
        return row[0] if row else None

    # -- roles and invitations ---------------------------------------------------------

    async def create_invitation(
        self,
        token_hash: str,
        role: str,
        label: str,
        expires_on: date,
        invited_by: str | None = None,
    ) -> None:
        await self._write(
            "INSERT INTO invitations"
            " (token_hash, role, label, created_on, expires_on, invited_by)"
            " VALUES (%s, %s, %s, %s, %s, %s)",
            (token_hash, role, label, self.store.day(), expires_on, invited_by),
        )

    async def redeem_invitation(
        self, token_hash: str, user: str
    ) -> RoleGrant | Literal["conflict"] | None:
        """ "conflict" (the invitation staying unused) when the person holds another active
        role, or is the mentor of another youth worker (bot.storage.ports.RoleStore)."""
        values = {"token": token_hash, "user": user, "today": self.store.day()}
        async with self.store.transaction() as db:
            # The invitation's row, locked: two people redeeming it at once take turns.
            cursor = await db.execute(
                "SELECT role, label, invited_by FROM invitations WHERE token_hash = %(token)s"
                " AND used_on IS NULL AND expires_on >= %(today)s FOR UPDATE",
                values,
            )
            invitation = await cursor.fetchone()
            if invitation is None:
                return None
            role, label, invited_by = invitation
            cursor = await db.execute(
                "SELECT 1 FROM roles WHERE pseudonym = %(user)s AND revoked_on IS NULL"
                " AND (role != %(role)s OR invited_by IS DISTINCT FROM %(invited_by)s)",
                values | {"role": role, "invited_by": invited_by},
            )
            if await cursor.fetchone():
                return "conflict"
            await db.execute(
                "UPDATE invitations SET used_on = %(today)s WHERE token_hash = %(token)s", values
            )
            cursor = await db.execute(
                "INSERT INTO roles (pseudonym, role, label, granted_on, invited_by)"
                " VALUES (%s, %s, %s, %s, %s) RETURNING id",
                (user, role, label, values["today"], invited_by),
            )
            (grant_id,) = await cursor.fetchone()
        return RoleGrant(grant_id, role, label, _day(values["today"]))

    async def grant_role(self, user: str, role: str, label: str) -> None:
        await self._write(
            "INSERT INTO roles (pseudonym, role, label, granted_on) VALUES (%s, %s, %s, %s)",
            (user, role, label, self.store.day()),
        )

    async def roles_of(self, user: str) -> set[str]:
        rows = await self._rows(
            "SELECT role FROM roles WHERE pseudonym = %s AND revoked_on IS NULL", (user,)
        )
        return {row[0] for row in rows}

    async def grant_of(self, user: str, role: str) -> RoleGrant | None:
        """The person's latest active grant of the role."""
        rows = await self._rows(
            f"SELECT {_GRANT_COLUMNS} FROM roles WHERE pseudonym = %s AND role = %s"
            " AND revoked_on IS NULL ORDER BY id DESC LIMIT 1",
            (user, role),
        )
        return _grant(rows[0]) if rows else None

    async def active_roles(self) -> list[RoleGrant]:
        rows = await self._rows(
            f"SELECT {_GRANT_COLUMNS}, (SELECT y.label FROM roles y"
            "  WHERE y.pseudonym = roles.invited_by AND y.role = %s AND y.revoked_on IS NULL"
            "  ORDER BY y.id DESC LIMIT 1)"
            " FROM roles WHERE revoked_on IS NULL ORDER BY id",
            (YOUTH_WORKER,),
        )
        return [_grant(row) for row in rows]

    async def revoke_role(self, grant_id: int) -> bool:
        """What the role let the person do ends in the same transaction
        (bot.storage.postgres.roles.strip_powers)."""
        today = self.store.day()
        async with self.store.transaction() as db:
            cursor = await db.execute(
                "UPDATE roles SET revoked_on = %s WHERE id = %s AND revoked_on IS NULL"
                " RETURNING pseudonym",
                (today, grant_id),
            )
            revoked = await cursor.fetchone()
            if revoked is None:
                return False
            await strip_powers(db, [revoked[0]], today, self.store.moment())
        return True

    async def mentors_of(self, youth_worker: str) -> list[RoleGrant]:
        rows = await self._rows(
            f"SELECT {_GRANT_COLUMNS} FROM roles WHERE invited_by = %s AND role = %s"
            " AND revoked_on IS NULL ORDER BY id",
            (youth_worker, MENTOR),
        )
        return [_grant(row) for row in rows]

    async def inviter_of(self, mentor: str) -> str | None:
        row = await self.store.fetch_one(
            "SELECT invited_by FROM roles WHERE pseudonym = %s AND role = %s"
            " AND revoked_on IS NULL ORDER BY id DESC LIMIT 1",
            (mentor, MENTOR),
        )
        return row[0] if row else None

    async def language_of(self, user: str) -> str | None:
        row = await self.store.fetch_one("SELECT language FROM users WHERE pseudonym = %s", (user,))
        return row[0] if row else None

    # -- command menus -------------------------------------------------------------------

    async def menu_and_roles(self, user: str) -> tuple[str | None, set[str]]:
        """The menu and the active roles in one read: asked at every private contact."""
        menu, roles = await self.store.fetch_one(
            "SELECT (SELECT menu FROM command_menus WHERE pseudonym = %(user)s),"
            " ARRAY(SELECT role FROM roles WHERE pseudonym = %(user)s AND revoked_on IS NULL)",
            {"user": user},
        )
        return menu, set(roles)

    async def set_menu(self, user: str, menu: str) -> None:
        await self._write(
            "INSERT INTO command_menus (pseudonym, menu) VALUES (%s, %s)"
            " ON CONFLICT (pseudonym) DO UPDATE SET menu = excluded.menu",
            (user, menu),
        )

    async def forget_menu(self, user: str) -> None:
        await self._write("DELETE FROM command_menus WHERE pseudonym = %s", (user,))

    # -- classes ---------------------------------------------------------------------

    async def create_class(
        self, owner: str, name: str, code: str, expires_on: date, age: ClassAge = WHOLE_AUDIENCE
    ) -> ClassRecord:
        row = await self.store.fetch_one(
            "INSERT INTO classes (owner, name, code, created_on, expires_on,"
            " age_min, age_max, school_year) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
            " RETURNING id",
            (owner, name, code, self.store.day(), expires_on,
             age.ages.min, age.ages.max, age.school_year),
        )  # fmt: skip
        return ClassRecord(row[0], owner, name, code, expires_on.isoformat(), None, age)

    async def set_class_age(self, class_id: int, age: ClassAge) -> None:
        await self._write(
            "UPDATE classes SET age_min = %s, age_max = %s, school_year = %s WHERE id = %s",
            (age.ages.min, age.ages.max, age.school_year, class_id),
        )

    async def classes_of(self, owner: str) -> list[ClassRecord]:
        rows = await self._rows(
            f"SELECT {_CLASS_COLUMNS} FROM classes c WHERE owner = %s ORDER BY id DESC", (owner,)
        )
        return [_class(row) for row in rows]

    async def get_class(self, class_id: int) -> ClassRecord | None:
        row = await self.store.fetch_one(
            f"SELECT {_CLASS_COLUMNS} FROM classes c WHERE id = %s", (class_id,)
        )
        return _class(row) if row else None

    async def class_by_code(self, code: str) -> ClassRecord | None:
        row = await self.store.fetch_one(
            f"SELECT {_CLASS_COLUMNS} FROM classes c WHERE code = %s", (code,)
        )
        return _class(row) if row else None

    async def class_id_by_name(self, name: str) -> int | None:
        row = await self.store.fetch_one("SELECT min(id) FROM classes WHERE name = %s", (name,))
        return row[0]

    async def close_class(self, class_id: int) -> None:
        await self._write(
            "UPDATE classes SET closed_on = coalesce(closed_on, %s) WHERE id = %s",
            (self.store.day(), class_id),
        )

    async def join_class(self, class_id: int, user: str) -> None:
        await self._write(
            "INSERT INTO class_members (class_id, pseudonym, joined_on) VALUES (%s, %s, %s)"
            " ON CONFLICT DO NOTHING",
            (class_id, user, self.store.day()),
        )

    async def member_classes(self, user: str) -> list[ClassRecord]:
        rows = await self._rows(
            f"SELECT {_CLASS_COLUMNS} FROM class_members m JOIN classes c ON c.id = m.class_id"
            " WHERE m.pseudonym = %s ORDER BY m.joined_on DESC, c.id DESC",
            (user,),
        )
        return [_class(row) for row in rows]

    async def members(self, class_id: int, staff: Collection[str] = ()) -> int:
        row = await self.store.fetch_one(
            "SELECT count(*) FROM class_members m JOIN classes c ON c.id = m.class_id"
            f" WHERE m.class_id = %(class_id)s AND {_student('m.pseudonym')}",
            {"class_id": class_id, "staff": list(staff)},
        )
        return row[0]

    # -- assignments -----------------------------------------------------------------

    async def assigned(self, class_id: int) -> list[str]:
        rows = await self._rows(
            "SELECT scenario_id FROM class_scenarios WHERE class_id = %s ORDER BY scenario_id",
            (class_id,),
        )
        return [row[0] for row in rows]

    async def toggle_assignment(self, class_id: int, scenario_id: str) -> bool:
        async with self.store.transaction() as db:
            await _lock_assignments(db, class_id)
            cursor = await db.execute(
                "DELETE FROM class_scenarios WHERE class_id = %s AND scenario_id = %s",
                (class_id, scenario_id),
            )
            if cursor.rowcount:
                return False
            await db.execute(
                "INSERT INTO class_scenarios (class_id, scenario_id) VALUES (%s, %s)"
                " ON CONFLICT DO NOTHING",
                (class_id, scenario_id),
            )
            return True

    async def set_assignments(self, class_id: int, scenario_ids: Collection[str]) -> None:
        async with self.store.transaction() as db:
            await _lock_assignments(db, class_id)
            await db.execute("DELETE FROM class_scenarios WHERE class_id = %s", (class_id,))
            async with db.cursor() as cursor:
                await cursor.executemany(
                    "INSERT INTO class_scenarios (class_id, scenario_id) VALUES (%s, %s)"
                    " ON CONFLICT DO NOTHING",
                    [(class_id, scenario_id) for scenario_id in sorted(set(scenario_ids))],
                )

    # -- class results ----------------------------------------------------------------

    async def progress(self, class_id: int, staff: Collection[str] = ()) -> list[ScenarioProgress]:
        rows = await self._rows(
            "SELECT r.scenario_id, count(DISTINCT r.pseudonym),"
            " count(DISTINCT r.pseudonym) FILTER (WHERE r.finished_on IS NOT NULL)"
            " FROM runs r JOIN classes c ON c.id = r.class_id"
            f" WHERE r.class_id = %(class_id)s AND NOT r.replay AND {_student('r.pseudonym')}"
            " GROUP BY r.scenario_id",
            {"class_id": class_id, "staff": list(staff)},
        )
        return [ScenarioProgress(*row) for row in rows]

    async def step_answers(
        self, class_id: int, scenario_id: str, staff: Collection[str] = ()
    ) -> dict[str, StepAnswers]:
        """Per step, each student's first answer; a replay never gives one."""
        rows = await self._rows(
            "SELECT step_id, choice_id, count(*) FROM ("
            "  SELECT ch.step_id, ch.choice_id, row_number() OVER"
            "   (PARTITION BY ch.pseudonym, ch.step_id ORDER BY ch.id) AS nth"
            "  FROM choices ch"
            "  JOIN runs r ON r.pseudonym = ch.pseudonym AND r.run_id = ch.run_id"
            "  JOIN classes c ON c.id = r.class_id"
            "  WHERE r.class_id = %(class_id)s AND ch.scenario_id = %(scenario_id)s"
            f"  AND NOT r.replay AND {_student('r.pseudonym')}"
            ") firsts WHERE nth = 1 GROUP BY step_id, choice_id",
            {"class_id": class_id, "scenario_id": scenario_id, "staff": list(staff)},
        )
        return answers_by_step(rows)

    async def releases(self, class_id: int, scenario_id: str) -> dict[str, list[Release]]:
        rows = await self._rows(
            "SELECT step_id, answers, counts, shown FROM class_releases"
            " WHERE class_id = %s AND scenario_id = %s ORDER BY step_id, answers",
            (class_id, scenario_id),
        )
        history: dict[str, list[Release]] = defaultdict(list)
        for step_id, answers, counts, shown in rows:
            history[step_id].append(Release(Tally(answers, counts), shown))
        return dict(history)

    async def save_release(
        self, class_id: int, scenario_id: str, step_id: str, release: Release
    ) -> bool:
        """False when a concurrent refresh already made one as large. The class's row is
        locked first, so two refreshes of it take turns and the second sees the first."""
        values = {"class_id": class_id, "scenario_id": scenario_id, "step_id": step_id,
                  "answers": release.tally.total, "counts": Jsonb(dict(release.tally.counts)),
                  "shown": Jsonb(dict(release.shown)), "today": self.store.day()}  # fmt: skip
        async with self.store.transaction() as db:
            await db.execute("SELECT 1 FROM classes WHERE id = %(class_id)s FOR UPDATE", values)
            cursor = await db.execute(
                "INSERT INTO class_releases"
                " (class_id, scenario_id, step_id, answers, counts, shown, released_on)"
                " SELECT %(class_id)s, %(scenario_id)s, %(step_id)s, %(answers)s, %(counts)s,"
                " %(shown)s, %(today)s WHERE NOT EXISTS (SELECT 1 FROM class_releases"
                "  WHERE class_id = %(class_id)s AND scenario_id = %(scenario_id)s"
                "  AND step_id = %(step_id)s AND answers >= %(answers)s)",
                values,
            )
            return cursor.rowcount == 1

    async def facilitated_answers(
        self, class_id: int, scenario_id: str, k: int
    ) -> dict[str, StepAnswers]:
        """A session's step with fewer than `k` hands or votes is left out: added to the
        rest, a small room's answers could be read as the difference between two views."""
        rows = await self._rows(
            "SELECT k.step_id, k.choice_id, sum(k.hands)::integer FROM facilitated_counts k"
            " JOIN facilitations f ON f.id = k.facilitation_id"
            " WHERE f.class_id = %s AND f.scenario_id = %s"
            "  AND (SELECT sum(o.hands) FROM facilitated_counts o"
            "       WHERE o.facilitation_id = k.facilitation_id AND o.step_id = k.step_id) >= %s"
            " GROUP BY k.step_id, k.choice_id",
            (class_id, scenario_id, k),
        )
        return answers_by_step(rows)


async def _lock_assignments(db: AsyncConnection, class_id: int) -> None:
    """Changes to a class's assignments one at a time, each seeing the one before. NO KEY
    UPDATE, not UPDATE: the inserts' foreign-key checks take KEY SHARE on the same row,
    which UPDATE would block (a deadlock between two changes)."""
    await db.execute("SELECT 1 FROM classes WHERE id = %s FOR NO KEY UPDATE", (class_id,))

"""Storage for staff roles, invitations, mentors, command menus, classes, assignments and
facilitated sessions.

It shares the encrypted database and connection of `SqlCipherStore`. Users appear only as
pseudonyms; class results are read as counts, never as rows about a person.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Collection
from datetime import date
from typing import Literal

from bot.engine.ages import WHOLE_AUDIENCE, ClassAge
from bot.privacy.class_view import Release, Tally
from bot.storage.records import (
    MENTOR,
    YOUTH_WORKER,
    ClassRecord,
    RoleGrant,
    ScenarioProgress,
    StepAnswers,
    answers_by_step,
)
from bot.storage.sqlite.roles import strip_powers
from bot.storage.sqlite.store import SqlCipherStore, fetch_one, transaction

_CLASS_COLUMNS = "id, owner, name, code, expires_on, closed_on, age_min, age_max, school_year"
_GRANT_COLUMNS = "id, role, label, granted_on"


def _student(user: str, staff: Collection[str]) -> str:
    """SQL: `user` is a student of class `c`. Not its owner, never anyone who holds or held a
    staff role, and none of `staff` (the configured admins): staff trying the class as
    students would otherwise count towards K and make a small group look big enough."""
    others = f" AND {user} NOT IN ({', '.join('?' * len(staff))})" if staff else ""
    return f"{user} <> c.owner AND {user} NOT IN (SELECT user FROM roles){others}"


class SqlCipherClassStore:
    def __init__(self, store: SqlCipherStore) -> None:
        self.store = store

    # -- settings ------------------------------------------------------------------

    async def set_setting(self, key: str, value: str) -> None:
        async with self.store.session() as db, transaction(db):
            await db.execute(
                "INSERT INTO settings (key, value) VALUES (?, ?)"
                " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    async def setting(self, key: str) -> str | None:
        async with self.store.reading() as db:
            row = await fetch_one(db, "SELECT value FROM settings WHERE key = ?", (key,))
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
        """`invited_by`: the youth worker who invites a mentor (None: an admin invites)."""
        async with self.store.session() as db, transaction(db):
            await db.execute(
                "INSERT INTO invitations"
                " (token_hash, role, label, created_on, expires_on, invited_by)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (token_hash, role, label, self.store.day(), expires_on.isoformat(), invited_by),
            )

    async def redeem_invitation(
        self, token_hash: str, user: str
    ) -> RoleGrant | Literal["conflict"] | None:
        """Grant the invitation's role once; None when unknown, used or expired.

        "conflict" (and the invitation stays unused) when the person already holds another
        staff role: a youth worker's live class view and an evaluator's exact class report
        together could tell apart the last few students who answered (privacy.md); or is
        already the mentor of another youth worker (a mentor has one, `inviter_of`)."""
        today = self.store.day()
        async with self.store.session() as db, transaction(db):
            conflict = await fetch_one(
                db,
                "SELECT 1 FROM invitations i JOIN roles r ON r.user = ? AND r.revoked_on IS NULL"
                " AND (r.role != i.role OR r.invited_by IS NOT i.invited_by)"
                " WHERE i.token_hash = ? AND i.used_on IS NULL AND i.expires_on >= ?",
                (user, token_hash, today),
            )
            if conflict:
                return "conflict"
            row = await fetch_one(
                db,
                "UPDATE invitations SET used_on = ? WHERE token_hash = ? AND used_on IS NULL"
                " AND expires_on >= ? RETURNING role, label, invited_by",
                (today, token_hash, today),
            )
            if row is None:
                return None
            cursor = await db.execute(
                "INSERT INTO roles (user, role, label, granted_on, invited_by)"
                " VALUES (?, ?, ?, ?, ?)",
                (user, *row[:2], today, row[2]),
            )
            return RoleGrant(cursor.lastrowid, row[0], row[1], today)

    async def grant_role(self, user: str, role: str, label: str) -> None:
        async with self.store.session() as db, transaction(db):
            await db.execute(
                "INSERT INTO roles (user, role, label, granted_on) VALUES (?, ?, ?, ?)",
                (user, role, label, self.store.day()),
            )

    async def roles_of(self, user: str) -> set[str]:
        async with self.store.reading() as db:
            rows = await db.execute_fetchall(
                "SELECT role FROM roles WHERE user = ? AND revoked_on IS NULL", (user,)
            )
        return {row[0] for row in rows}

    async def grant_of(self, user: str, role: str) -> RoleGrant | None:
        """The person's latest active grant of the role."""
        async with self.store.reading() as db:
            row = await fetch_one(
                db,
                f"SELECT {_GRANT_COLUMNS} FROM roles WHERE user = ? AND role = ?"
                " AND revoked_on IS NULL ORDER BY id DESC LIMIT 1",
                (user, role),
            )
        return RoleGrant(*row) if row else None

    async def active_roles(self) -> list[RoleGrant]:
        """Every active grant; a mentor's with the label of the youth worker who invited them."""
        async with self.store.reading() as db:
            rows = await db.execute_fetchall(
                f"SELECT {_GRANT_COLUMNS}, (SELECT y.label FROM roles y"
                "  WHERE y.user = roles.invited_by AND y.role = ? AND y.revoked_on IS NULL"
                "  ORDER BY y.id DESC LIMIT 1)"
                " FROM roles WHERE revoked_on IS NULL ORDER BY id",
                (YOUTH_WORKER,),
            )
        return [RoleGrant(*row) for row in rows]

    async def revoke_role(self, grant_id: int) -> bool:
        """Revoke a grant. When it was the person's last grant of a role, what the role let
        them do ends at once, in the same transaction (bot.storage.sqlite.roles.strip_powers): a
        youth worker's classes close (join codes stop working) and the mentors they invited
        lose their role; a youth worker's or mentor's sessions and lessons end. Everyone
        who lost a grant has their command menu marked for reset."""
        today = self.store.day()
        async with self.store.session() as db, transaction(db):
            revoked = await fetch_one(
                db,
                "UPDATE roles SET revoked_on = ? WHERE id = ? AND revoked_on IS NULL"
                " RETURNING user",
                (today, grant_id),
            )
            if revoked is None:
                return False
            await strip_powers(db, [revoked[0]], today, self.store.moment())
        return True

    # -- mentors -------------------------------------------------------------------------

    async def mentors_of(self, youth_worker: str) -> list[RoleGrant]:
        """The active mentor grants of the people `youth_worker` invited."""
        async with self.store.reading() as db:
            rows = await db.execute_fetchall(
                f"SELECT {_GRANT_COLUMNS} FROM roles WHERE invited_by = ? AND role = ?"
                " AND revoked_on IS NULL ORDER BY id",
                (youth_worker, MENTOR),
            )
        return [RoleGrant(*row) for row in rows]

    async def inviter_of(self, mentor: str) -> str | None:
        """The youth worker whose mentor the person is (None: no active mentor grant, or one
        an admin made)."""
        async with self.store.reading() as db:
            row = await fetch_one(
                db,
                "SELECT invited_by FROM roles WHERE user = ? AND role = ? AND revoked_on IS NULL"
                " ORDER BY id DESC LIMIT 1",
                (mentor, MENTOR),
            )
        return row[0] if row else None

    async def language_of(self, user: str) -> str | None:
        async with self.store.reading() as db:
            row = await fetch_one(db, "SELECT language FROM users WHERE user = ?", (user,))
        return row[0] if row else None

    # -- command menus -------------------------------------------------------------------

    async def menu_and_roles(self, user: str) -> tuple[str | None, set[str]]:
        """`menu_of` and `roles_of` in one read: asked at every contact in a private chat."""
        async with self.store.reading() as db:
            menu, roles = await fetch_one(
                db,
                "SELECT (SELECT menu FROM command_menus WHERE user = :user),"
                " (SELECT json_group_array(role) FROM roles"
                "  WHERE user = :user AND revoked_on IS NULL)",
                {"user": user},
            )
        return menu, set(json.loads(roles))

    async def set_menu(self, user: str, menu: str) -> None:
        async with self.store.statement() as db:
            await db.execute(
                "INSERT INTO command_menus (user, menu) VALUES (?, ?)"
                " ON CONFLICT (user) DO UPDATE SET menu = excluded.menu",
                (user, menu),
            )

    async def forget_menu(self, user: str) -> None:
        async with self.store.statement() as db:
            await db.execute("DELETE FROM command_menus WHERE user = ?", (user,))

    # -- classes ---------------------------------------------------------------------

    async def create_class(
        self,
        owner: str,
        name: str,
        code: str,
        expires_on: date,
        age: ClassAge = WHOLE_AUDIENCE,
    ) -> ClassRecord:
        async with self.store.session() as db, transaction(db):
            cursor = await db.execute(
                "INSERT INTO classes (owner, name, code, created_on, expires_on,"
                " age_min, age_max, school_year) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    owner, name, code, self.store.day(), expires_on.isoformat(),
                    age.ages.min, age.ages.max, age.school_year,
                ),
            )  # fmt: skip
        return ClassRecord(cursor.lastrowid, owner, name, code, expires_on.isoformat(), None, age)

    async def set_class_age(self, class_id: int, age: ClassAge) -> None:
        async with self.store.session() as db, transaction(db):
            await db.execute(
                "UPDATE classes SET age_min = ?, age_max = ?, school_year = ? WHERE id = ?",
                (age.ages.min, age.ages.max, age.school_year, class_id),
            )

    async def classes_of(self, owner: str) -> list[ClassRecord]:
        async with self.store.reading() as db:
            rows = await db.execute_fetchall(
                f"SELECT {_CLASS_COLUMNS} FROM classes WHERE owner = ? ORDER BY id DESC", (owner,)
            )
        return [ClassRecord.of_row(row) for row in rows]

    async def get_class(self, class_id: int) -> ClassRecord | None:
        async with self.store.reading() as db:
            row = await fetch_one(
                db, f"SELECT {_CLASS_COLUMNS} FROM classes WHERE id = ?", (class_id,)
            )
        return ClassRecord.of_row(row) if row else None

    async def class_by_code(self, code: str) -> ClassRecord | None:
        async with self.store.reading() as db:
            row = await fetch_one(
                db, f"SELECT {_CLASS_COLUMNS} FROM classes WHERE code = ?", (code,)
            )
        return ClassRecord.of_row(row) if row else None

    async def class_id_by_name(self, name: str) -> int | None:
        async with self.store.reading() as db:
            row = await fetch_one(db, "SELECT min(id) FROM classes WHERE name = ?", (name,))
        return row[0] if row else None

    async def close_class(self, class_id: int) -> None:
        async with self.store.session() as db, transaction(db):
            await db.execute(
                "UPDATE classes SET closed_on = coalesce(closed_on, ?) WHERE id = ?",
                (self.store.day(), class_id),
            )

    async def join_class(self, class_id: int, user: str) -> None:
        async with self.store.session() as db, transaction(db):
            await db.execute(
                "INSERT INTO class_members (class_id, user, joined_on) VALUES (?, ?, ?)"
                " ON CONFLICT DO NOTHING",
                (class_id, user, self.store.day()),
            )

    async def member_classes(self, user: str) -> list[ClassRecord]:
        """The classes a student joined, the most recently joined first."""
        async with self.store.reading() as db:
            rows = await db.execute_fetchall(
                f"SELECT {', '.join('c.' + c.strip() for c in _CLASS_COLUMNS.split(','))}"
                " FROM class_members m JOIN classes c ON c.id = m.class_id"
                " WHERE m.user = ? ORDER BY m.joined_on DESC, c.id DESC",
                (user,),
            )
        return [ClassRecord.of_row(row) for row in rows]

    async def members(self, class_id: int, staff: Collection[str] = ()) -> int:
        """Students who joined: the class's owner, anyone with a role and `staff` not counted."""
        async with self.store.reading() as db:
            row = await fetch_one(
                db,
                "SELECT count(*) FROM class_members m JOIN classes c ON c.id = m.class_id"
                f" WHERE m.class_id = ? AND {_student('m.user', staff)}",
                (class_id, *staff),
            )
        return row[0]

    # -- assignments -----------------------------------------------------------------

    async def assigned(self, class_id: int) -> list[str]:
        async with self.store.reading() as db:
            rows = await db.execute_fetchall(
                "SELECT scenario_id FROM class_scenarios WHERE class_id = ? ORDER BY scenario_id",
                (class_id,),
            )
        return [row[0] for row in rows]

    async def toggle_assignment(self, class_id: int, scenario_id: str) -> bool:
        """Assign or unassign; returns whether the scenario is now assigned."""
        async with self.store.session() as db, transaction(db):
            cursor = await db.execute(
                "DELETE FROM class_scenarios WHERE class_id = ? AND scenario_id = ?",
                (class_id, scenario_id),
            )
            if cursor.rowcount:
                return False
            await db.execute(
                "INSERT INTO class_scenarios (class_id, scenario_id) VALUES (?, ?)",
                (class_id, scenario_id),
            )
            return True

    async def set_assignments(self, class_id: int, scenario_ids: Collection[str]) -> None:
        async with self.store.session() as db, transaction(db):
            await db.execute("DELETE FROM class_scenarios WHERE class_id = ?", (class_id,))
            await db.executemany(
                "INSERT INTO class_scenarios (class_id, scenario_id) VALUES (?, ?)",
                [(class_id, scenario_id) for scenario_id in sorted(set(scenario_ids))],
            )

    # -- class results ----------------------------------------------------------------

    async def progress(self, class_id: int, staff: Collection[str] = ()) -> list[ScenarioProgress]:
        """Students (see `members`) who started and finished each scenario."""
        async with self.store.reading() as db:
            rows = await db.execute_fetchall(
                "SELECT r.scenario_id, count(DISTINCT r.user),"
                " count(DISTINCT CASE WHEN r.finished_on IS NOT NULL THEN r.user END)"
                " FROM runs r JOIN classes c ON c.id = r.class_id"
                f" WHERE r.class_id = ? AND NOT r.replay AND {_student('r.user', staff)}"
                " GROUP BY r.scenario_id",
                (class_id, *staff),
            )
        return [ScenarioProgress(*row) for row in rows]

    async def step_answers(
        self, class_id: int, scenario_id: str, staff: Collection[str] = ()
    ) -> dict[str, StepAnswers]:
        """Per step, each student's first answer (their first judgement, before replays:
        a "what else could I have done?" replay is never a first answer, also at a step the
        student reaches for the first time in it)."""
        async with self.store.reading() as db:
            rows = await db.execute_fetchall(
                "SELECT step_id, choice_id, count(*) FROM ("
                "  SELECT ch.step_id, ch.choice_id,"
                "   row_number() OVER (PARTITION BY ch.user, ch.step_id ORDER BY ch.id) AS nth"
                "  FROM choices ch JOIN runs r ON r.user = ch.user AND r.run_id = ch.run_id"
                "  JOIN classes c ON c.id = r.class_id"
                "  WHERE r.class_id = ? AND ch.scenario_id = ? AND NOT r.replay"
                f"  AND {_student('r.user', staff)}"
                ") WHERE nth = 1 GROUP BY step_id, choice_id",
                (class_id, scenario_id, *staff),
            )
        return answers_by_step(rows)

    async def releases(self, class_id: int, scenario_id: str) -> dict[str, list[Release]]:
        """Every release of each step of the live class view, oldest first."""
        async with self.store.reading() as db:
            rows = await db.execute_fetchall(
                "SELECT step_id, answers, counts, shown FROM class_releases"
                " WHERE class_id = ? AND scenario_id = ? ORDER BY step_id, answers",
                (class_id, scenario_id),
            )
        history: dict[str, list[Release]] = defaultdict(list)
        for step_id, answers, counts, shown in rows:
            history[step_id].append(Release(Tally(answers, json.loads(counts)), json.loads(shown)))
        return dict(history)

    async def save_release(
        self, class_id: int, scenario_id: str, step_id: str, release: Release
    ) -> bool:
        """Add a step's release; False when a concurrent refresh already made one as large."""
        async with self.store.session() as db, transaction(db):
            cursor = await db.execute(
                "INSERT INTO class_releases"
                " (class_id, scenario_id, step_id, answers, counts, shown, released_on)"
                " SELECT ?, ?, ?, ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM class_releases"
                "  WHERE class_id = ? AND scenario_id = ? AND step_id = ? AND answers >= ?)",
                (
                    class_id,
                    scenario_id,
                    step_id,
                    release.tally.total,
                    json.dumps(dict(release.tally.counts), sort_keys=True),
                    json.dumps(dict(release.shown), sort_keys=True),
                    self.store.day(),
                    class_id,
                    scenario_id,
                    step_id,
                    release.tally.total,
                ),
            )
        return cursor.rowcount == 1

    # -- hand counts and poll totals: the plays of lessons (bot.storage.sqlite.lessons) ------

    async def facilitated_answers(
        self, class_id: int, scenario_id: str, k: int
    ) -> dict[str, StepAnswers]:
        """A class's hand counts and poll totals per step, summed over its sessions. A
        session's step with fewer than `k` hands or votes is left out: added to the rest, a
        small room's answers could be read as the difference between two views."""
        async with self.store.reading() as db:
            rows = await db.execute_fetchall(
                "SELECT k.step_id, k.choice_id, sum(k.hands) FROM facilitated_counts k"
                " JOIN facilitations f ON f.id = k.facilitation_id"
                " WHERE f.class_id = ? AND f.scenario_id = ?"
                "  AND (SELECT sum(o.hands) FROM facilitated_counts o"
                "       WHERE o.facilitation_id = k.facilitation_id AND o.step_id = k.step_id) >= ?"
                " GROUP BY k.step_id, k.choice_id",
                (class_id, scenario_id, k),
            )
        return answers_by_step(rows)

"""Revoking a grant ends a youth worker's powers only when it was their last such grant."""

from __future__ import annotations

from datetime import date

from bot.storage.records import EVALUATOR, YOUTH_WORKER
from bot.storage.sqlite.classes import SqlCipherClassStore
from bot.storage.sqlite.store import SqlCipherStore


async def test_only_the_last_youth_worker_grant_closes_classes_and_sessions(
    store: SqlCipherStore,
) -> None:
    classes = SqlCipherClassStore(store)
    for role in (YOUTH_WORKER, YOUTH_WORKER, EVALUATOR):
        await classes.grant_role("worker", role, "Alby")
    first, second, evaluator = (g.id for g in await classes.active_roles())
    record = await classes.create_class("worker", "8B", "code-8b", date(2030, 1, 1))
    other = await classes.create_class("someone-else", "9A", "code-9a", date(2030, 1, 1))
    await classes.start_facilitation(record.id, "worker", "bus-fight", 1, {"awaiting": "counts"})

    for grant in (evaluator, first):
        assert await classes.revoke_role(grant)
        assert (await classes.get_class(record.id)).closed_on is None, "still a youth worker"
        assert await classes.active_facilitation("worker") is not None
    assert await classes.revoke_role(second)
    assert not await classes.revoke_role(second), "a grant is revoked once"
    assert (await classes.get_class(record.id)).closed_on == store.day()
    assert await classes.active_facilitation("worker") is None
    assert (await classes.get_class(other.id)).closed_on is None, "only their own classes"

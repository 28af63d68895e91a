"""The live class view against a curious youth worker, and its use in a lesson of 25.

The youth worker knows who is in the room and can watch one student tap, then refresh. The
view must never tell that student's answer, and must still show the class its answers.
"""

from __future__ import annotations

import re

import pytest
from botharness import open_scenario
from fakebotapi import FakeBotApi, FakeUser

from bot.telegram.runtime import Runtime
from e2e.classroom import join_and_open, link_payload, student_plays, youth_worker

ASK, TEACHER, JOKING = (
    "Fråga Yusuf när bussen går",
    "Säg till läraren vid skolgrinden",
    "De brukar hålla på så – det är deras grej",
)

pytestmark = pytest.mark.both_backends  # the same behaviour on SQLite and PostgreSQL


async def class_with_bus_fight(server: FakeBotApi) -> tuple[FakeUser, str]:
    worker = await youth_worker(server)
    await worker.send("/newclass 9A Alby")
    payload = link_payload(next(m for m in worker.messages if m.photo).caption)
    await worker.click("⬜ Bråk på bussen")
    await worker.click("✔️ Klar")
    await worker.click("📊 Svar: Bråk på bussen")
    return worker, payload


def first_step(results: str) -> str:
    """The first step's block of the results message (its heading up to the next step)."""
    return re.search(r"🕐 Före 1.*?(?=\n\n|\Z)", results, re.S).group(0)


async def refresh(worker: FakeUser) -> str:
    await worker.click("🔄 Uppdatera")
    return first_step(worker.last.text)


async def test_a_lesson_of_25_follows_the_class_in_steps_of_k(bot: Runtime, fake_bot_api) -> None:
    worker, payload = await class_with_bus_fight(fake_bot_api)
    seen: list[str] = []
    for choice in (ASK, TEACHER, ASK, JOKING, TEACHER) * 5:
        await student_plays(fake_bot_api, payload, [choice])
        seen.append(await refresh(worker))

    changes = [n for n in range(1, 25) if seen[n] != seen[n - 1]]
    assert [n + 1 for n in changes] == [5, 10, 15, 20, 25], "a new release per 5 answers"
    assert "Visas inte än (elever)" in seen[3]
    assert "5 svar (elever)" in seen[4] and f"{ASK}: dolt" in seen[4]
    assert "15 svar (elever)" in seen[14] and f"{TEACHER}: 6 (40 %)" in seen[14]
    assert f"{JOKING}: dolt" in seen[14] and f"{ASK}: dolt" in seen[14], "never one lone hidden"
    end = seen[-1]
    assert "25 svar (elever)" in end
    assert f"{ASK}: 10 (40 %)" in end and f"{TEACHER}: 10 (40 %)" in end
    assert f"{JOKING}: 5 (20 %)" in end
    await worker.click("📽 Visa på projektor: 🕐 Före 1 (elever)")
    assert worker.last.photo


async def test_watching_one_student_tap_tells_nothing(bot: Runtime, fake_bot_api) -> None:
    worker, payload = await class_with_bus_fight(fake_bot_api)
    for choice in (ASK, TEACHER, ASK, JOKING, TEACHER, ASK, ASK, TEACHER, JOKING, ASK):
        await student_plays(fake_bot_api, payload, [choice])
    target = fake_bot_api.user(language_code="sv")
    await join_and_open(target, payload)
    before = await refresh(worker)
    assert "10 svar (elever)" in before

    await target.click(JOKING)
    assert await refresh(worker) == before, "one more answer changes nothing"
    await worker.send("/class")
    assert "10+ har gått med" in worker.last.text and "10+ har börjat" in worker.last.text


async def test_a_small_group_of_one_mind_is_not_shown(bot: Runtime, fake_bot_api) -> None:
    worker, payload = await class_with_bus_fight(fake_bot_api)
    for _ in range(6):
        await student_plays(fake_bot_api, payload, [ASK])
    shown = await refresh(worker)
    assert "6 svar (elever)" in shown, "the release comes on time, as for any split"
    assert f"{ASK}: dolt" in shown and f"{TEACHER}: dolt" in shown, "six of six chose the same"
    assert f"{JOKING}: dolt" in shown, "not even a zero: it would give the others away"

    await student_plays(fake_bot_api, payload, [TEACHER])
    assert await refresh(worker) == shown, "6 of 7 would tell the 7th"
    for choice in (TEACHER, JOKING, TEACHER, JOKING, TEACHER):
        await student_plays(fake_bot_api, payload, [choice])
    shown = await refresh(worker)
    assert "12 svar (elever)" in shown and f"{ASK}: 6 (50 %)" in shown
    assert f"{TEACHER}: dolt" in shown and f"{JOKING}: dolt" in shown


async def test_staff_who_join_their_own_class_are_not_counted(bot: Runtime, fake_bot_api) -> None:
    worker, payload = await class_with_bus_fight(fake_bot_api)
    await join_and_open(worker, payload)
    await worker.click(ASK)
    for choice in (ASK, TEACHER, JOKING, TEACHER):
        await student_plays(fake_bot_api, payload, [choice])
    await worker.send("/class")
    assert "färre än 5 har gått med" in worker.last.text, "four students and the worker"
    await worker.click("📊 Svar: Bråk på bussen")
    assert "Visas inte än (elever)" in first_step(worker.last.text)


async def test_answers_count_by_scenario_whatever_language_they_were_played_in(
    bot: Runtime, fake_bot_api
) -> None:
    """Half the class plays in English: one class view, the same steps and choices."""
    worker, payload = await class_with_bus_fight(fake_bot_api)
    for _ in range(3):
        await student_plays(fake_bot_api, payload, [ASK])
    for _ in range(2):
        student = fake_bot_api.user(language_code="en")
        await student.send(f"/start {payload}")
        await student.click("16–17")
        await student.click("Play and save my answers")
        await open_scenario(student, "📌 Trouble on the bus", "Start")
        await student.click("Ask Yusuf when the bus is coming")
    shown = await refresh(worker)
    assert "5 svar (elever)" in shown, "Swedish and English answers in one count"
    assert f"{ASK}: dolt" in shown, "all five chose the same: one choice, in the worker's language"

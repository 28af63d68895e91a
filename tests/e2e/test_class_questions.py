"""The class questions (issue 17): a class answers the class items together at the start
and the end of a lesson, by a show of hands typed in by its leader in the room."""

from __future__ import annotations

import re

import pytest
from fakebotapi import FakeBotApi, FakeUser

from bot.storage.records import ClassQuestions
from bot.telegram.runtime import Runtime
from e2e.classroom import youth_worker

pytestmark = pytest.mark.both_backends  # the same behaviour on SQLite and PostgreSQL

BEFORE, AFTER = "📊 Klassens frågor före", "📊 Klassens frågor efter"
NEXT, SKIP = "▶️ Nästa fråga", "⏭ Hoppa över resten av frågorna"
ITEMS = ("efficacy-speak-up", "intent-check-in", "peers-check-in", "violence-push-joke")
FIRST_LESSON = 1


async def room_class(server: FakeBotApi) -> FakeUser:
    worker = await youth_worker(server)
    await worker.send("/newclass åk 6 Alby")
    await worker.click("⬜ Bråk på bussen")
    await worker.send("/facilitate")
    await worker.click("åk 6 Alby")
    return worker


async def answer_items(worker: FakeUser, counts: list[str], first: int = 1) -> None:
    for n, typed in enumerate(counts, first):
        assert f"Fråga {n} av 4" in worker.last.text
        await worker.send(typed)
        if n < len(ITEMS):
            await worker.click(NEXT)


async def play_to_the_end(worker: FakeUser) -> None:
    while "ledda sessionen är klar" not in worker.last.text:
        options = int(re.search(r"\((\d+) tal\)", worker.last.text).group(1))
        await worker.send(" ".join("2" for _ in range(options)))
        await worker.click(worker.buttons()[0])


async def test_the_room_answers_the_class_questions_before_and_after_the_scenario(
    bot: Runtime, fake_bot_api: FakeBotApi
) -> None:
    worker = await room_class(fake_bot_api)
    assert worker.buttons()[0] == BEFORE, "offered before the lesson's first scenario"
    assert "Du kan också välja ett scenario direkt" in worker.last.text

    await worker.click(BEFORE)
    how, first = worker.messages[-2:]
    assert "blunda eller lägga huvudet på bänken" in how.text
    assert "ingen måste räcka upp handen" in how.text
    assert "Hur säker är du på att du skulle kunna …\n… säga ifrån" in first.text
    assert "\n1. " in first.text and "\n5. " in first.text, "the five answers, numbered"

    await worker.send("1 2 tre 4 5")
    assert "Jag behöver 5 tal" in worker.last.text, "bad input: the kind word, nothing kept"
    await worker.send("1 2 3")
    assert "Jag behöver 5 tal" in worker.last.text
    await worker.send("0 1 2 9 10")
    assert worker.last.text == "✓ 22 händer" and worker.buttons() == [NEXT, SKIP]
    await worker.click(NEXT)
    await answer_items(worker, ["2 2 5 6 7", "3 3 3 3 3", "20 2 0 0 0"], first=2)
    assert "Nu börjar lektionen" in worker.messages[-2].text
    assert BEFORE not in worker.buttons() and "Bråk på bussen" in worker.buttons()[0]

    await worker.click(worker.buttons()[0])
    await play_to_the_end(worker)
    assert worker.buttons() == [AFTER, "⏹ Avsluta lektionen"], "asked again after the debrief"
    await worker.click(AFTER)
    await answer_items(worker, ["0 0 2 10 10", "1 2 3 4 5", "0 5 5 5 5", "22 0 0 0 0"])
    assert "lektionen är avslutad" in worker.last.text

    questions = await bot.storage.lessons.class_questions(FIRST_LESSON)
    assert questions == ClassQuestions(
        None, None, frozenset((wave, item) for wave in ("T1", "T2") for item in ITEMS)
    )
    await worker.send("1 1 1 1 1")
    assert "händer" not in worker.last.text, "after the lesson, numbers are not counted"


async def test_ending_the_lesson_offers_the_questions_again_or_ends_without_them(
    bot: Runtime, fake_bot_api: FakeBotApi
) -> None:
    worker = await room_class(fake_bot_api)
    await worker.click(BEFORE)
    await answer_items(worker, ["1 2 3 4 5"] * 4)
    await worker.send("/endlesson")
    assert "Klassen svarade på frågorna i början" in worker.last.text
    assert worker.buttons() == [AFTER, "⏹ Avsluta utan frågorna"]
    await worker.click(AFTER)
    await worker.send("5 4 3 2 1")
    await worker.send("5 4 3 2 1")
    assert "redan sparade" in worker.last.text, "the same message again counts once"
    assert worker.buttons() == [NEXT, SKIP]
    await worker.click(NEXT)
    assert "Fråga 2 av 4" in worker.last.text
    await worker.click(SKIP)
    assert "lektionen är avslutad" in worker.last.text

    questions = await bot.storage.lessons.class_questions(FIRST_LESSON)
    assert ("T2", ITEMS[0]) in questions.answered and ("T2", ITEMS[1]) not in questions.answered
    await worker.send("/endlesson")
    assert "ingen lektion igång" in worker.last.text


async def test_skipping_goes_to_the_scenarios_and_old_buttons_store_nothing(
    bot: Runtime, fake_bot_api: FakeBotApi
) -> None:
    worker = await room_class(fake_bot_api)
    await worker.click(BEFORE)
    await worker.click(SKIP)
    assert "Bråk på bussen" in worker.buttons()[0] and BEFORE not in worker.buttons()
    await worker.send("1 1 1 1 1")
    assert "händer" not in worker.last.text, "no question is waiting: the help card"

    earlier = len(worker.alerts)
    for data in ("qb:99", f"qa:{FIRST_LESSON}", f"qs:{FIRST_LESSON}:T1", "qs:x:T2"):
        await worker.click_data(data)
    assert [a[:21] for a in worker.alerts[earlier:]] == ["Den knappen är gammal"] * 4
    student = fake_bot_api.user(language_code="sv")
    await student.send("/start")
    await student.click_data(f"qa:{FIRST_LESSON}")
    assert student.alerts[-1].startswith("Den knappen är gammal")
    questions = await bot.storage.lessons.class_questions(FIRST_LESSON)
    assert questions == ClassQuestions(None, None, frozenset())
    await worker.send("/endlesson")
    assert "Lektionen är avslutad" in worker.last.text, "nothing answered: no offer"

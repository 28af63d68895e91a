"""A class answers the class items (measures.yaml's `class_items`) together at the start (T1)
and the end (T2) of a lesson: read aloud with a show of hands in the room
(bot.services.facilitation), or as anonymous polls in the class's group
(bot.services.group_play). Only how many chose each point of the scale is kept, per lesson;
docs/evaluation.md, "Class-level before and after", says what the numbers can and cannot
show."""

from __future__ import annotations

from bot.engine.measures import MeasureItem, Measures, Wave
from bot.services.presenter import escape
from bot.storage.ports import LessonStore
from bot.storage.records import ClassQuestions

BEFORE, AFTER = Wave.BEFORE.value, Wave.AFTER.value


def class_items(measures: Measures | None) -> list[MeasureItem]:
    """The items a class answers together, in order; none without a questionnaire."""
    if measures is None:
        return []
    return [item for item_id in measures.class_items if (item := measures.item(item_id))]


def next_item(
    measures: Measures | None, questions: ClassQuestions, wave: str
) -> tuple[int, MeasureItem] | None:
    """The first class item (numbered from 1) without answers at this wave, if any."""
    for number, item in enumerate(class_items(measures), 1):
        if (wave, item.id) not in questions.answered:
            return number, item
    return None


def question(item: MeasureItem, language: str) -> str:
    """The item as a question read aloud: its block's stem, then the item itself in bold
    (as each person's questionnaire shows it, bot.services.survey)."""
    text = f"<b>{escape(item.text.get(language))}</b>"
    stem = item.block.stem
    return f"{escape(stem.get(language))}\n{text}" if stem is not None else text


def poll_question(item: MeasureItem, language: str) -> str:
    """The item as an anonymous poll's question: plain text, the stem above the item."""
    stem = item.block.stem
    text = item.text.get(language)
    return f"{stem.get(language)}\n{text}" if stem is not None else text


def scale_labels(item: MeasureItem, language: str) -> list[str]:
    return [label.get(language) for label in item.block.scale.labels]


async def asks_after(lessons: LessonStore, measures: Measures | None, lesson_id: int) -> bool:
    """Whether the class may answer its questions at the end of this lesson: only after it
    answered them at the start (otherwise nothing compares), and only once."""
    if not class_items(measures):
        return False
    questions = await lessons.class_questions(lesson_id)
    return questions.has(BEFORE) and not questions.has(AFTER)

"""The report's class-level before and after (issue 17): the class items a class answered
together, added up over the lessons that answered them at both waves by at least K each."""

from __future__ import annotations

from bot.content.catalog import Catalog
from bot.evaluation.data import ClassAnswerCount, Filters, ReportData
from bot.evaluation.report import (
    ALL,
    CLASS_SCOPE,
    Cell,
    ReleasedCells,
    Table,
    build_report,
    protect_release,
)

from .conftest import K

SPEAK_UP = "efficacy-speak-up"
SPEAK_UP_TEXT = "How sure are you that you could speak up"


def answers(lesson: int | None, wave: str, counts: list[int], item: str = SPEAK_UP, lessons=1):
    return [
        ClassAnswerCount(item, wave, value, n, lesson, lessons) for value, n in enumerate(counts, 1)
    ]


def class_level(data: ReportData, catalog: Catalog) -> Table | None:
    report = build_report(data, catalog, "en", K)
    section = next(s for s in report.sections if s.id == "class_level")
    return section.tables[0] if section.tables else None


def only_row(table: Table) -> dict[str, Cell]:
    (row,) = table.rows
    return {column.key: cell for column, cell in zip(table.columns, row, strict=True)}


def test_lessons_count_only_with_both_waves_of_at_least_k_each(catalog: Catalog) -> None:
    rows = [
        *answers(1, "T1", [0, 1, 2, 3, 4]),  # 10 hands
        *answers(1, "T2", [0, 0, 2, 4, 4]),
        *answers(2, "T1", [0, 0, 0, 2, K - 3]),  # K - 1 hands at the start: not counted
        *answers(2, "T2", [0, 0, 0, 5, 5]),
        *answers(3, "T1", [1, 1, 1, 1, 6]),  # no end: not a before and after
        *answers(None, "T1", [2, 2, 2, 2, 2], lessons=2),  # folded by retention
        *answers(None, "T2", [0, 2, 2, 3, 3], lessons=2),
    ]
    row = only_row(class_level(ReportData(Filters(), class_answers=rows), catalog))

    assert row["item"].text.startswith(SPEAK_UP_TEXT)
    assert (row["lessons"].value, row["answers_before"].value, row["answers_after"].value) == (
        3, 20, 20,
    )  # fmt: skip
    assert (row["high_before"].value, row["high_after"].value) == (55.0, 70.0)
    assert row["mean_before"].text == "3.50" and row["mean_after"].text == "3.95"


def test_a_lesson_of_exactly_k_counts_and_no_lesson_s_own_numbers_are_shown(
    catalog: Catalog,
) -> None:
    def table(hands_at_start: int) -> Table | None:
        start = [1, 1, 1, 1, hands_at_start - 4]
        rows = [*answers(1, "T1", start), *answers(1, "T2", [2, 2, 2, 2, 1])]
        return class_level(ReportData(Filters(), class_answers=rows), catalog)

    assert table(K - 1) is None, "fewer than K at the start: nothing shown"
    row = only_row(table(K))
    assert row["answers_before"].value == K and row["lessons"].value == 1
    spread = [1] * 4 + [K - 4]
    second = [*answers(1, "T1", spread), *answers(1, "T2", spread)]
    second += [*answers(2, "T1", spread), *answers(2, "T2", spread)]
    added = class_level(ReportData(Filters(), class_answers=second), catalog)
    assert len(added.rows) == 1 and only_row(added)["answers_before"].value == 2 * K


def test_a_share_of_fewer_than_k_is_hidden_with_its_complement(catalog: Catalog) -> None:
    rows = [*answers(1, "T1", [2, 2, 2, 2, 3]), *answers(1, "T2", [0, 0, 1, 4, 5])]
    row = only_row(class_level(ReportData(Filters(), class_answers=rows), catalog))
    assert row["high_after"].suppressed, "only 1 answered 1–3 at the end: 4–5 would tell"
    assert not row["high_before"].suppressed and row["answers_after"].value == 10
    assert row["mean_after"].suppressed, "4.40 from 10 would say that 0 to 3 answered 1–3"
    assert row["mean_before"].text == "3.18", "both sides of 4–5 shown: the mean too"


def test_a_mean_that_tells_fewer_than_k_answers_off_one_end_hides_the_row(
    catalog: Catalog,
) -> None:
    """4.80 from 5 hands says four answered 5 and one 4: the row goes, like a group under K
    (the change table's rule)."""
    spread = [2, 2, 2, 2, 2]
    one_mind = [*answers(1, "T1", spread), *answers(1, "T2", [0, 0, 0, 1, 29])]
    hidden = only_row(class_level(ReportData(Filters(), class_answers=one_mind), catalog))
    for column in ("answers_before", "answers_after", "mean_before", "mean_after", "high_after"):
        assert hidden[column].suppressed, column
    several = [*answers(1, "T1", spread), *answers(1, "T2", [0, 0, 5, 0, 25])]
    row = only_row(class_level(ReportData(Filters(), class_answers=several), catalog))
    assert row["mean_after"].text == "4.67", "K answers off the top: shown"


def test_a_mean_bounding_a_hidden_share_is_hidden_with_it(catalog: Catalog) -> None:
    """3.80 from 5 answers says 2 to 4 of them answered 4–5: two such classes, and
    everybody's shown 4–5, would tell each class's (found by the attacker test)."""
    rows = [*answers(1, "T1", [2, 2, 1, 2, 3]), *answers(1, "T2", [0, 0, 1, 3, 1])]
    row = only_row(class_level(ReportData(Filters(), class_answers=rows), catalog))
    assert row["high_after"].suppressed and row["mean_after"].suppressed
    assert row["answers_after"].value == K and row["mean_before"].text == "3.20"


def test_everybody_minus_the_classes_tells_nothing_small_of_the_other_lessons(
    catalog: Catalog,
) -> None:
    """An ended class's lessons, folded by retention, are in everybody's report only:
    everybody's 4–5 minus class 1's would be the ended class's 3 (found by the attacker
    test). They are protected as a part of everybody's, like the runs outside classes."""
    class_1 = [*answers(1, "T1", [0, 0, 5, 0, 5]), *answers(1, "T2", [0, 0, 5, 5, 0])]
    ended = [*answers(None, "T1", [0, 0, 3, 1, 2]), *answers(None, "T2", [0, 0, 5, 0, 5])]
    scopes = {
        ALL: ReportData(Filters(), class_answers=[*class_1, *ended]),
        f"{CLASS_SCOPE}1": ReportData(Filters(), class_answers=class_1),
    }
    hidden = protect_release("2026-08", scopes, catalog, K)
    shown = []
    for scope, data in scopes.items():
        release = ReleasedCells(("2026-08", scope), hidden, K)
        report = build_report(data, catalog, "en", K, release=release)
        section = next(s for s in report.sections if s.id == "class_level")
        row = only_row(section.tables[0])
        shown.append(not row["high_before"].suppressed)
    assert not all(shown), "both shown: everybody's minus class 1's 4–5 is the ended class's"

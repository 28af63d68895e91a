"""The report structure: K, suppression (primary and secondary), findings, language."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.content.catalog import Catalog
from bot.evaluation.data import (
    ANSWERED,
    SOMETHING,
    ChoiceCount,
    Filters,
    FollowUpCount,
    MeasurePair,
    MeasurePeople,
    ReportData,
    StepTotal,
    StrategyCount,
)
from bot.evaluation.report import Cell, Report, Table, build_report

from .conftest import K, boundary_data


def tables(report: Report, table_id: str) -> list[Table]:
    return [t for s in report.sections for t in s.tables if t.id == table_id]


def column(table: Table, key: str) -> list[Cell]:
    index = [c.key for c in table.columns].index(key)
    return [row[index] for row in table.rows]


def row(table: Table, label: str) -> dict[str, Cell]:
    found = next(r for r in table.rows if r[0].text == label)
    return {c.key: cell for c, cell in zip(table.columns, found, strict=True)}


@pytest.mark.parametrize("k", [2, 1, 0, -5])
def test_k_below_three_is_refused(catalog: Catalog, k: int) -> None:
    with pytest.raises(ValueError, match="at least 3"):
        build_report(boundary_data(5), catalog, "en", k)


def test_k_of_three_is_allowed(catalog: Catalog) -> None:
    assert build_report(boundary_data(3), catalog, "en", 3).k == 3


@pytest.mark.parametrize(
    ("table_id", "label", "key"),
    [
        ("scenarios", "The party in Norsborg", "starts"),
        ("choices", "They always mess around like that", "answers"),
        ("strategies", "Document", "answers"),
        ("helpful", "Later plays", "helpful"),
        ("groups", "20 or older", "answers"),
        ("groups", "8B", "answers"),
        ("facilitated", "Go to the front and tell the driver", "hands"),
        ("change", "Confidence in being able to act", "people"),
        ("change", "Confidence in being able to act", "pairs"),
    ],
)
def test_a_group_of_k_minus_one_is_hidden_and_of_k_shown(
    catalog: Catalog, table_id: str, label: str, key: str
) -> None:
    def cell(n: int) -> Cell:
        report = build_report(boundary_data(n), catalog, "en", K)
        # The last table with the row: groups have one per dimension, change one per wave.
        *_, table = (t for t in tables(report, table_id) if label in {r[0].text for r in t.rows})
        return row(table, label)[key]

    below, at = cell(K - 1), cell(K)
    assert below == Cell(f"fewer than {K}", None, suppressed=True, reason="hidden_k")
    assert not at.suppressed and at.value is not None


def test_the_whole_row_of_a_small_group_is_hidden(catalog: Catalog) -> None:
    report = build_report(boundary_data(K - 1), catalog, "en", K)
    small = row(tables(report, "scenarios")[0], "The party in Norsborg")
    assert [c.suppressed for c in small.values()] == [False, True, True, True, True]


def test_a_lone_hidden_choice_takes_a_second_one_with_it(catalog: Catalog) -> None:
    """Shares add up to 100 % and the total is shown: one hidden cell could be subtracted."""
    report = build_report(boundary_data(K - 1), catalog, "en", K)
    step = tables(report, "choices")[0]
    answers = column(step, "answers")
    hidden = [c.suppressed for c in answers[:-1]]
    assert hidden == [False, True, True]  # the big choice with fewer people goes too
    assert not answers[-1].suppressed  # the step total stays: readers need the n


def test_shares_of_hidden_counts_are_hidden(catalog: Catalog) -> None:
    report = build_report(boundary_data(K - 1), catalog, "en", K)
    step = tables(report, "choices")[0]
    for answers, share in zip(column(step, "answers"), column(step, "share"), strict=True):
        assert share.suppressed or not answers.suppressed


def test_a_strategy_total_cannot_reveal_a_choice(catalog: Catalog) -> None:
    """The only hidden "delegate" choice would be its strategy total minus the shown ones."""
    data = ReportData(
        Filters(scenario="bus-fight"),
        steps=[StepTotal("bus-fight", "stop", 30, 60), StepTotal("bus-fight", "bus", 30, 60)],
        choices=[
            ChoiceCount("bus-fight", "stop", "ask-time", "distract", "helpful", "before", 28, 20),
            ChoiceCount(
                "bus-fight", "stop", "tell-teacher", "delegate", "helpful", "before", 29, 21
            ),
            ChoiceCount("bus-fight", "stop", "just-joking", "none", "harmful", "before", 3, 3),
            ChoiceCount("bus-fight", "bus", "driver", "delegate", "helpful", "during", 3, 2),
            ChoiceCount("bus-fight", "bus", "sit-next", "distract", "helpful", "during", 20, 15),
            ChoiceCount("bus-fight", "bus", "say-stop", "direct", "partly", "during", 20, 15),
            ChoiceCount("bus-fight", "bus", "film", "document", "partly", "during", 9, 8),
            ChoiceCount("bus-fight", "bus", "music", "none", "harmful", "during", 8, 7),
        ],
        strategies=[
            StrategyCount("distract", 48, 25),
            StrategyCount("delegate", 32, 22),
            StrategyCount("none", 11, 10),
            StrategyCount("direct", 20, 15),
            StrategyCount("document", 9, 8),
        ],
    )
    report = build_report(data, catalog, "en", K)
    delegate = row(tables(report, "strategies")[0], "Delegate – get help")["answers"]
    hidden_delegate_choices = [
        r["answers"].suppressed
        for t in tables(report, "choices")
        for r in (row(t, r[0].text) for r in t.rows[:-1])
        if r["strategy"].text == "Delegate – get help"
    ]
    assert delegate.suppressed or hidden_delegate_choices.count(True) != 1


def test_findings_answer_the_evaluators_question(catalog: Catalog) -> None:
    # 42 pairs: 25 rose by one point, 17 stayed: mean 25/42 ≈ 0.6.
    pairs = [MeasurePair("efficacy", "T1-T2", 3, 4)] * 25 + [
        MeasurePair("efficacy", "T1-T2", 3, 3)
    ] * 17
    data = ReportData(
        Filters(), measures=pairs, measure_people=[MeasurePeople("efficacy", "T1-T2", 42)]
    )
    english = build_report(data, catalog, "en", K)
    swedish = build_report(data, catalog, "sv", K)
    assert english.summary[:2] == (
        "Right after the scenario (T1 → T2): Confidence in being able to act changed from 3.0"
        " to 3.6 on the 1–5 scale, a change of +0.6 points (95% CI 0.4 to 0.8; 42 answer pairs"
        " from 42 people, none of them in a class).",
        "These are changes, not effects of the training: there is no comparison group, and the"
        " answers after are given at the end of the lesson, when it is easy to answer as one"
        " thinks is expected.",
    )
    assert (
        "förändrades från 3,0 till 3,6 på skalan 1–5, en förändring med +0,6 poäng (95 % KI 0,4"
        " till 0,8; 42 svarspar" in swedish.summary[0]
    )
    assert "inte effekter av träningen" in swedish.summary[1]
    assert not [line for line in english.summary if "chance" in line or "p <" in line]


@pytest.mark.parametrize(
    ("pairs", "expected"),
    [
        ([(4, 3)] * 4 + [(4, 4)] * 2, "changed by −0.7 points"),
        ([(3, 3)] * 6, "changed by 0.0 points"),
        ([(3, 3)] * 6, "(no confidence interval: all the changes were the same; 6 answer pairs"),
        ([(3, 4), (4, 3)] * 3, "(95% CI −1.1 to 1.1; 6 answer pairs from 6 people"),
    ],
)
def test_findings_say_which_way_and_how_sure(
    catalog: Catalog, pairs: list[tuple[int, int]], expected: str
) -> None:
    data = ReportData(
        Filters(),
        measures=[MeasurePair("efficacy", "T1-T3", b, a) for b, a in pairs],
        measure_people=[MeasurePeople("efficacy", "T1-T3", len(pairs))],
    )
    (finding,) = build_report(data, catalog, "en", K).summary[:1]
    assert finding.startswith("At follow-up (T1 → T3): ")
    assert expected in finding


def test_too_few_pairs_give_no_finding(catalog: Catalog) -> None:
    data = ReportData(
        Filters(),
        measures=[MeasurePair("efficacy", "T1-T2", 1, 5)] * (K - 1),
        measure_people=[MeasurePeople("efficacy", "T1-T2", K - 1)],
    )
    report = build_report(data, catalog, "en", K)
    assert report.summary == (
        f"So far fewer than {K} people have answered the questions both before and after,"
        " so no change can be shown.",
    )
    assert not [c for s in report.sections for c in s.charts if c.kind == "intervals"]


def test_charts_show_only_what_the_tables_show(catalog: Catalog) -> None:
    def charts(n: int) -> dict[str, list[str]]:
        report = build_report(boundary_data(n), catalog, "en", K)
        return {c.id: [p.label for p in c.points] for s in report.sections for c in s.charts}

    at, below = charts(K), charts(K - 1)
    assert at["helpful"] == ["First play", "Later plays"]
    # First-play answers plus later ones make the step totals: both go, so no chart.
    assert "helpful" not in below
    assert "Document" in at["strategies"] and "Document" not in below["strategies"]
    assert "change-T1-T3" in at and "change-T1-T3" not in below
    assert below["change-T1-T2"] == ["Confidence in being able to act"]


def test_metadata_filters_k_date_and_privacy(catalog: Catalog) -> None:
    data = ReportData(Filters("bus-fight", 7, date(2026, 1, 1), date(2026, 6, 30)))
    report = build_report(data, catalog, "sv", 4, generated=date(2026, 7, 1), scenario="bus-fight")
    period = "från 2026-01-01 · till och med 2026-06-30"
    assert dict(report.metadata) == {
        "Urval": f"Scenario: Bråk på bussen · Klass nr 7 · {period}",
        "Minsta gruppstorlek (K)": "4",
        "Skapad": "2026-07-01",
    }
    assert "inga pseudonymer" in report.privacy and "färre än 4" in report.privacy


def test_text_comes_from_the_catalog_in_the_asked_language(catalog: Catalog) -> None:
    swedish = build_report(boundary_data(K), catalog, "sv", K)
    step = tables(swedish, "choices")[0]
    assert step.caption.startswith("Bråk på bussen · ")
    assert step.rows[0][0].text == catalog.scenarios["bus-fight"].step("stop").choices[0].label.get(
        "sv"
    )
    assert step.rows[0][1].text == "Distrahera"


# --- Property: no sum a reader can form has exactly one hidden term ------------------------

STEP_CHOICES = {"stop": ("ask-time", "tell-teacher", "just-joking")}


@st.composite
def step_data(draw: st.DrawFn) -> ReportData:
    choices, total_answers, total_people = [], 0, 0
    for step_id, choice_ids in STEP_CHOICES.items():
        for choice_id in choice_ids:
            people = draw(st.integers(0, 12))
            answers = people + draw(st.integers(0, 5))
            total_answers, total_people = total_answers + answers, total_people + people
            if people:
                choices.append(
                    ChoiceCount(
                        "bus-fight", step_id, choice_id, "x", "y", "before", answers, people
                    )
                )
    return ReportData(
        Filters(),
        choices=choices,
        steps=[StepTotal("bus-fight", "stop", total_people, total_answers)],
    )


def number_cells(table: Table) -> Iterator[Cell]:
    for r in table.rows:
        yield from r[1:]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=step_data())
def test_no_step_ever_has_exactly_one_hidden_answer_count(
    catalog: Catalog, data: ReportData
) -> None:
    report = build_report(data, catalog, "en", K)
    for table in tables(report, "choices"):
        answers = column(table, "answers")[:-1]
        participants = column(table, "participants")[:-1]
        assert sum(c.suppressed for c in answers) != 1
        for people, count in zip(participants, answers, strict=True):
            assert people.suppressed or people.value >= K  # a shown row has K or more
            assert not people.suppressed or count.suppressed


def test_a_follow_up_shows_change_but_not_the_t1_mean_again(catalog: Catalog) -> None:
    """T1 is shared with T1-T2: two T1 means of nearly the same people tell one answer."""
    report = build_report(boundary_data(K), catalog, "en", K)
    follow_up = next(t for t in tables(report, "change") if t.context[0][1].value == "T1-T3")
    efficacy = row(follow_up, "Confidence in being able to act")
    assert efficacy["mean_before"].text == efficacy["mean_after"].text == "–"
    assert not efficacy["mean_difference"].suppressed and efficacy["people"].value == K
    assert efficacy["ceiling_t1"].text == "–"  # T1's top share, like its mean: T1-T2 only
    right_after = next(t for t in tables(report, "change") if t.context[0][1].value == "T1-T2")
    assert row(right_after, "Confidence in being able to act")["mean_before"].value == 2


# --- at follow-up ---------------------------------------------------------------------------


def follow_up_tables(report: Report) -> dict[str, Table]:
    return {t.context[0][1].value: t for t in tables(report, "follow_up")}


def test_the_follow_up_shows_people_per_answer_and_the_share_who_acted(catalog: Catalog) -> None:
    report = build_report(boundary_data(K), catalog, "en", K)
    found = follow_up_tables(report)
    opportunity = found["opportunity"]
    assert [r[0].text for r in opportunity.rows] == [
        "Yes",
        "No",
        "Not sure",
        "Answered the question",
    ]
    assert [c.value for c in column(opportunity, "respondents")] == [25, 15, K, 40 + K]
    acted = found["acted"]
    labels = [r[0].text for r in acted.rows]
    # The 5 D's by their strategies' names, the rest in the questionnaire's words.
    assert labels[:2] == ["Speak up directly", "Distract"]
    assert labels[5:] == [
        "Something else",
        "I didn't do anything that time",
        "Did something (one of the five D's or something else)",
        "Answered the question",
    ]
    assert row(acted, "Did something (one of the five D's or something else)")[
        "respondent_share"
    ].value == pytest.approx(100 * (24 - K) / 24, abs=0.05)
    assert row(acted, "Distract")["respondents"].suppressed  # nobody: fewer than K
    reasons = found["reasons"]
    assert row(reasons, "I was afraid I'd get hurt or threatened")["respondents"].value == K
    assert any(f.startswith("At follow-up: of the 24 who had") for s in report.sections
               for f in s.findings)  # fmt: skip


def test_a_small_follow_up_answer_hides_the_one_it_could_be_subtracted_from(
    catalog: Catalog,
) -> None:
    """ "Nothing" = answered − "did something", and "not sure" = answered − yes − no: with
    one of them hidden, another is hidden too. The ticks add up to at least "did
    something", so hidden ticks of fewer than K people in all take another with them."""
    report = build_report(boundary_data(K - 1), catalog, "en", K)
    found = follow_up_tables(report)
    acted = {r[1].value: r for r in found["acted"].rows}
    assert acted["nothing"][2].suppressed and acted[SOMETHING][2].suppressed
    assert not acted[ANSWERED][2].suppressed
    assert acted["other"][2].suppressed and not acted["delay"][2].suppressed  # "did
    # something" (hidden) is among the hidden ticks' sum, so it holds K people already
    opportunity = [r[2] for r in found["opportunity"].rows]
    assert sum(cell.suppressed for cell in opportunity) == 2
    assert not any("did something" in f for s in report.sections for f in s.findings)


def test_a_lone_hidden_tick_takes_another_with_it(catalog: Catalog) -> None:
    """Did something = K + 1, of whom K ticked "direct" and 1 "delay": the shown ticks
    would tell that "delay" is at least 1, so another tick is hidden beside it."""
    data = boundary_data(K)
    acted = {ANSWERED: K + 6, SOMETHING: K + 1, "nothing": 5, "direct": K, "delay": 1,
             "distract": 0, "delegate": 0, "document": 0, "other": 0}  # fmt: skip
    ticks = [FollowUpCount("acted", a, n) for a, n in acted.items()]
    data = replace(data, follow_ups=[c for c in data.follow_ups if c.question != "acted"] + ticks)
    found = follow_up_tables(build_report(data, catalog, "en", K))
    shown = {r[1].value: not r[2].suppressed for r in found["acted"].rows}
    assert shown == {"direct": False, "distract": False, "delegate": False, "document": False,
                     "delay": False, "other": False, "nothing": True, SOMETHING: True,
                     ANSWERED: True}  # fmt: skip


def test_a_hidden_yes_hides_every_answer_after_it(catalog: Catalog) -> None:
    """What they did is a subset of those who said yes: shown, it would bound a hidden yes
    from below, and answered − no bounds it from above."""
    data = boundary_data(K)
    opportunity = {ANSWERED: 30, "yes": K - 1, "no": 30 - K + 1, "unsure": 0}
    counts = [FollowUpCount("opportunity", a, n) for a, n in opportunity.items()]
    data = replace(
        data, follow_ups=[c for c in data.follow_ups if c.question != "opportunity"] + counts
    )
    found = follow_up_tables(build_report(data, catalog, "en", K))
    assert all(r[2].suppressed for q in ("acted", "reasons") for r in found[q].rows)

"""The change tables as an evaluator reads them: clustered intervals, named effect sizes,
the ceiling check, and honest participant counts, each within the K rule."""

from __future__ import annotations

import dataclasses
import random

from bot.content.catalog import Catalog
from bot.evaluation.data import (
    Filters,
    MeasurePair,
    MeasurePeople,
    ReportData,
    ScenarioCounts,
)
from bot.evaluation.report import Cell, Report, build_report
from bot.evaluation.stats import paired_change

from .conftest import K, boundary_data
from .test_eval_report import row, tables

ITEM = "Confidence in being able to act"


def change_row(report: Report, comparison: str = "T1-T2") -> dict[str, Cell]:
    table = next(t for t in tables(report, "change") if t.context[0][1].value == comparison)
    return row(table, ITEM)


def three_classes() -> list[MeasurePair]:
    """Three classes of ten, each person two scenarios: class 1 rose by 2, 2 by 1, 3 not."""
    rng = random.Random(3)
    pairs = []
    for class_label, change in ((1, 2), (2, 1), (3, 0)):
        for person in range(10):
            for _ in range(2):
                before = rng.randint(1, 3)
                after = before + change + rng.choice((-1, 0, 0, 1))
                pairs.append(
                    MeasurePair(
                        "efficacy", "T1-T2", before, after, class_label, class_label * 100 + person
                    )
                )
    return pairs


def test_the_interval_respects_classes_and_the_table_says_from_how_many(
    catalog: Catalog,
) -> None:
    pairs = three_classes()
    data = ReportData(
        Filters(), measures=pairs, measure_people=[MeasurePeople("efficacy", "T1-T2", 30, 0, 30)]
    )
    report = build_report(data, catalog, "en", K)
    efficacy = change_row(report)
    by_class = paired_change([(p.before, p.after) for p in pairs], [p.class_label for p in pairs])
    naive = paired_change([(p.before, p.after) for p in pairs])
    assert (efficacy["pairs"].value, efficacy["people"].value, efficacy["classes"].value) == (
        60,
        30,
        3,
    )
    assert efficacy["ci_low"].value == round(by_class.ci_low, 4)
    assert efficacy["ci_high"].value == round(by_class.ci_high, 4)
    # Classes that differ this much make the honest interval several times the naive one.
    assert by_class.ci_high - by_class.ci_low > 3 * (naive.ci_high - naive.ci_low)
    assert efficacy["d_z"].value == round(by_class.d_z, 4)
    assert efficacy["d_av"].value == round(by_class.d_av, 4)
    assert efficacy["d_z"].value != efficacy["d_av"].value
    assert "60 answer pairs from 30 people, number of classes: 3)." in report.summary[0]
    (chart,) = (c for s in report.sections for c in s.charts if c.kind == "intervals")
    assert chart.points[0].low == efficacy["ci_low"].value


def test_one_class_gets_no_interval_and_says_why(catalog: Catalog) -> None:
    pairs = [p for p in three_classes() if p.class_label == 1]
    data = ReportData(
        Filters(), measures=pairs, measure_people=[MeasurePeople("efficacy", "T1-T2", 10, 0, 10)]
    )
    report = build_report(data, catalog, "en", K)
    efficacy = change_row(report)
    assert (efficacy["ci_low"].text, efficacy["ci_high"].text) == ("–", "–")
    assert not efficacy["mean_difference"].suppressed
    assert (
        "(no confidence interval: all answers come from one and the same cluster (one class,"
        in (report.summary[0])
    )
    assert not [c for s in report.sections for c in s.charts if c.kind == "intervals"]


def ceiling_data(
    at_top: int, top_people: int, below_people: int, total: int = 30, top_after: int = 5
) -> ReportData:
    pairs = [MeasurePair("efficacy", "T1-T2", 5, top_after)] * at_top
    pairs += [MeasurePair("efficacy", "T1-T2", 3, 4)] * (total - at_top)
    people = MeasurePeople("efficacy", "T1-T2", total, top_people, below_people)
    return ReportData(Filters(), measures=pairs, measure_people=[people])


def test_many_answers_at_the_top_before_are_flagged(catalog: Catalog) -> None:
    report = build_report(ceiling_data(10, 10, 20), catalog, "en", K)
    efficacy = change_row(report)
    assert efficacy["ceiling_t1"].text == "33%"
    assert (efficacy["ceiling_flag"].text, efficacy["ceiling_flag"].value) == ("High", 1)
    assert (
        "Right after the scenario (T1 → T2): Confidence in being able to act: already before,"
        " 33% gave the highest answer, so there is little room to rise (ceiling effect)."
    ) in report.summary
    few = change_row(build_report(ceiling_data(5, 5, 45, total=50), catalog, "en", K))
    assert (few["ceiling_t1"].text, few["ceiling_flag"].text, few["ceiling_flag"].value) == (
        "10%",
        "",
        0,
    )


def test_the_ceiling_share_follows_the_k_rule_both_ways(catalog: Catalog) -> None:
    """Fewer than K at the top, or fewer than K below it (30 minus the share): hidden."""
    for top_people, below_people in ((K - 1, 30), (30, K - 1)):
        at_top = K - 1 if top_people < K else 30 - (K - 1)
        # After: not near the top either, or the means would hide the whole row (below).
        data = ceiling_data(at_top, top_people, below_people, top_after=4)
        efficacy = change_row(build_report(data, catalog, "en", K))
        assert efficacy["ceiling_t1"].suppressed
        assert efficacy["ceiling_flag"].suppressed  # "not high" would tell something too
        summary = build_report(data, catalog, "en", K).summary
        assert not [line for line in summary if "ceiling" in line]
        assert not efficacy["people"].suppressed  # the rest of the row stays


def test_participants_after_folding_are_labelled_an_upper_bound(catalog: Catalog) -> None:
    folded = ReportData(
        Filters(), scenarios=[ScenarioCounts("bus-fight", 40, 52, 44, 0)], folded=True
    )
    report = build_report(folded, catalog, "en", K)
    (scenarios,) = tables(report, "scenarios")
    assert [c.key for c in scenarios.columns][1] == "participants_at_most"
    assert scenarios.columns[1].label == "Participants (at most)"
    assert any("the number of participants is an upper bound" in line for line in report.summary)
    plain = build_report(boundary_data(K), catalog, "en", K)
    assert tables(plain, "scenarios")[0].columns[1].key == "participants"
    assert not any("upper bound" in line for line in plain.summary)


def test_exactly_15_percent_at_the_top_is_not_flagged(catalog: Catalog) -> None:
    # Terwee et al.: a ceiling effect when MORE than 15 % give the highest answer.
    exact = change_row(build_report(ceiling_data(6, 6, 34, total=40), catalog, "en", K))
    assert (exact["ceiling_t1"].text, exact["ceiling_flag"].value) == ("15%", 0)
    above = change_row(build_report(ceiling_data(7, 7, 33, total=40), catalog, "en", K))
    assert above["ceiling_flag"].value == 1


def test_equal_changes_give_no_interval_and_say_why(catalog: Catalog) -> None:
    pairs = [MeasurePair("efficacy", "T1-T2", 3, 3)] * 15 + [
        MeasurePair("efficacy", "T1-T2", 4, 4)
    ] * 15
    nobody_changed = ReportData(
        Filters(), measures=pairs, measure_people=[MeasurePeople("efficacy", "T1-T2", 30, 0, 30)]
    )
    report = build_report(nobody_changed, catalog, "en", K)
    efficacy = change_row(report)
    assert efficacy["ci_low"].value is None and efficacy["ci_low"].reason == "no_variance"
    assert any("no confidence interval: all the changes were the same" in s for s in report.summary)
    assert not any("0.0 to 0.0" in s for s in report.summary)


def test_people_after_folding_are_said_to_count_only_the_recent_pairs(catalog: Catalog) -> None:
    folded = dataclasses.replace(ceiling_data(10, 10, 20), folded=True)
    summary = build_report(folded, catalog, "en", K).summary
    assert any("30 answer pairs; 30 people counted among the recent ones" in s for s in summary)


def test_the_table_shows_the_basis_of_its_inference_and_flags_few_degrees_of_freedom(
    catalog: Catalog,
) -> None:
    pairs = three_classes()
    data = ReportData(
        Filters(), measures=pairs, measure_people=[MeasurePeople("efficacy", "T1-T2", 30, 0, 30)]
    )
    report = build_report(data, catalog, "en", K)
    efficacy = change_row(report)
    by_class = paired_change([(p.before, p.after) for p in pairs], [p.class_label for p in pairs])
    assert efficacy["clusters"].value == 3
    assert efficacy["se"].value == round(by_class.standard_error, 4)
    assert efficacy["df"].value == round(by_class.df, 4) and by_class.df < 4
    assert (efficacy["small_df"].text, efficacy["small_df"].value) == ("Unreliable", 1)
    assert (
        "but unreliable: with so few clusters it has only 2.0 degrees of freedom"
        in (report.summary[0])
    )
    many = [dataclasses.replace(p, class_label=None) for p in pairs]  # 30 people, no class
    data = dataclasses.replace(data, measures=many)
    alone = build_report(data, catalog, "en", K)
    assert change_row(alone)["clusters"].value == 30
    assert change_row(alone)["small_df"].value == 0
    assert "unreliable" not in alone.summary[0]


def test_a_person_answering_in_two_classes_links_them_into_one_cluster(catalog: Catalog) -> None:
    pairs = three_classes()
    linker = next(p for p in pairs if p.class_label == 1)
    pairs.append(dataclasses.replace(linker, class_label=2))  # the same person, in class 2
    data = ReportData(
        Filters(), measures=pairs, measure_people=[MeasurePeople("efficacy", "T1-T2", 30, 0, 30)]
    )
    efficacy = change_row(build_report(data, catalog, "en", K))
    merged = paired_change(
        [(p.before, p.after) for p in pairs],
        [1 if p.class_label == 2 else p.class_label for p in pairs],
    )
    assert (efficacy["classes"].value, efficacy["clusters"].value) == (3, 2)
    assert efficacy["ci_low"].value == round(merged.ci_low, 4)


def test_every_answer_at_one_end_is_hidden_like_a_group_under_k(catalog: Catalog) -> None:
    """Everyone at the top before: the means (5.00) would tell each answer, and "stayed the
    same" or "ceiling" would be misleading; the row is hidden as if it had fewer than K."""
    everyone_at_the_top = ceiling_data(30, 30, 0)
    report = build_report(everyone_at_the_top, catalog, "en", K)
    efficacy = change_row(report)
    assert all(efficacy[c].suppressed for c in ("people", "pairs", "mean_before", "ceiling_flag"))
    assert efficacy["people"].reason == "hidden_k"
    assert not [line for line in report.summary if "Confidence in being able to act" in line]
    everyone_at_the_top_after = [MeasurePair("efficacy", "T1-T2", b, 5) for b in (2, 3, 4)] * 10
    after = dataclasses.replace(everyone_at_the_top, measures=everyone_at_the_top_after)
    assert change_row(build_report(after, catalog, "en", K))["mean_after"].suppressed


def test_a_mean_that_tells_fewer_than_k_answers_off_the_top_is_hidden(catalog: Catalog) -> None:
    """29 answers of 5 and one of 4 give a mean of 4.97 from 30: the one below the top is
    told. The mean's distance from the end, summed over the answers, must reach K."""
    one_below = [MeasurePair("efficacy", "T1-T2", 5, 5)] * 29 + [
        MeasurePair("efficacy", "T1-T2", 4, 5)
    ]
    data = dataclasses.replace(ceiling_data(30, 30, 0), measures=one_below)
    assert change_row(build_report(data, catalog, "en", K))["mean_before"].suppressed
    k_points_below = [MeasurePair("efficacy", "T1-T2", 5, 4)] * (30 - K) + [
        MeasurePair("efficacy", "T1-T2", 4, 3)
    ] * K
    data = dataclasses.replace(data, measures=k_points_below)
    shown = change_row(build_report(data, catalog, "en", K))
    assert (shown["people"].value, shown["mean_before"].text) == (30, f"{5 - K / 30:.2f}")


def test_empty_cells_say_why(catalog: Catalog) -> None:
    one_class = [p for p in three_classes() if p.class_label == 1]
    follow_up = [dataclasses.replace(p, comparison="T1-T3") for p in three_classes()]
    data = ReportData(
        Filters(),
        measures=one_class + follow_up,
        measure_people=[
            MeasurePeople("efficacy", "T1-T2", 10, 0, 10),
            MeasurePeople("efficacy", "T1-T3", 30),
        ],
    )
    report = build_report(data, catalog, "en", K)
    assert {change_row(report)[c].reason for c in ("ci_low", "se", "df", "small_df")} == {
        "no_ci_one_cluster"
    }
    later = change_row(report, "T1-T3")
    assert (later["mean_before"].reason, later["ceiling_t1"].reason) == ("not_applicable",) * 2
    assert later["mean_difference"].reason == ""


def test_the_summary_says_who_the_follow_up_and_second_scenarios_come_from(
    catalog: Catalog,
) -> None:
    follow_up = [dataclasses.replace(p, comparison="T1-T3") for p in three_classes()]
    data = ReportData(
        Filters(),
        measures=three_classes() + follow_up,
        measure_people=[
            MeasurePeople("efficacy", "T1-T2", 30, 0, 30),
            MeasurePeople("efficacy", "T1-T3", 30),
        ],
    )
    summary = build_report(data, catalog, "en", K).summary
    assert any("(T3) is answered only by those who asked for a reminder" in s for s in summary)
    assert any("Those who take part again are not a random subset" in s for s in summary)
    once = [p for p in three_classes()[::2]]  # one scenario each, no follow-up
    data = ReportData(
        Filters(), measures=once, measure_people=[MeasurePeople("efficacy", "T1-T2", 30, 0, 30)]
    )
    summary = build_report(data, catalog, "en", K).summary
    assert not any("reminder" in s or "play on" in s for s in summary)
    # Folded pairs are counted without their people: more pairs than people says nothing.
    folded = dataclasses.replace(data, measures=three_classes(), folded=True)
    assert not any("play on" in s for s in build_report(folded, catalog, "en", K).summary)


def test_the_intros_name_what_the_numbers_are(catalog: Catalog) -> None:
    report = build_report(ceiling_data(10, 10, 20), catalog, "en", K)
    intro = {s.id: s.intro for s in report.sections}
    assert "0.2, 0.5 and 0.8" in intro["change"]
    assert "d_av can be compared with them, d_z cannot" in intro["change"]
    assert "suggests" not in intro["helpful"] and "not a measure of" in intro["helpful"]
    finding = report.summary[0]
    assert "changed from 3.7 to 4.3 on the 1–5 scale, a change of +0.7 points" in finding
    assert " rose " not in finding


def test_the_report_claims_comparability_only_for_items_marked_comparable(
    catalog: Catalog,
) -> None:
    data = ReportData(Filters(), measures=three_classes())
    (change,) = (s for s in build_report(data, catalog, "en", K).sections if s.id == "change")
    assert "No question is comparable question by question" in change.intro

    first, *rest = catalog.measures.items
    marked = dataclasses.replace(first, comparable="mvp-2018")
    measures = dataclasses.replace(catalog.measures, items=(marked, *rest))
    questionnaire = dataclasses.replace(catalog.questionnaire, measures=measures)
    report = build_report(data, dataclasses.replace(catalog, questionnaire=questionnaire), "en", K)
    (change,) = (s for s in report.sections if s.id == "change")
    assert "Comparable question by question with a published evaluation: How sure" in change.intro
    assert "(mvp-2018). The other questions are not." in change.intro

"""The ReportStore contract (bot.storage.ports): the report's raw numbers, on hand-made
data."""

from __future__ import annotations

from datetime import date, timedelta

from bot.evaluation.data import ANSWERED, SOMETHING, Filters
from bot.storage import ChoiceRecord, Profile
from bot.storage.ports import Storage

from .conftest import Clock
from .plays import play, seed


async def test_report_counts_people_runs_and_first_versus_later_play(storage: Storage) -> None:
    await seed(storage.players, 6, "u")
    data = await storage.reports.report_data(Filters())
    (scenario,) = data.scenarios
    assert (scenario.participants, scenario.starts, scenario.completions) == (6, 12, 6)
    step_a = next(s for s in data.steps if s.step_id == "a")
    assert (step_a.participants, step_a.answers) == (6, 12)
    helpful = {h.play: (h.helpful, h.total) for h in data.helpful}
    assert helpful == {"first": (10, 12), "later": (6, 6)}
    strategies = {s.strategy: s.answers for s in data.strategies}
    assert strategies == {"delegate": 10, "none": 2, "delay": 6}
    ages = {g.group: g.participants for g in data.groups if g.dimension == "age_band"}
    assert ages == {"16_17": 3, "18_19": 3}


async def test_filters_by_class_and_period(storage: Storage, clock: Clock) -> None:
    record = await storage.staff.create_class("owner", "8B", "code123456", date(2030, 1, 1))
    await seed(storage.players, 5, "in-class-", class_id=record.id)
    clock.day = date(2025, 6, 1)
    await seed(storage.players, 3, "later-")
    in_class = await storage.reports.report_data(Filters(class_id=record.id))
    assert in_class.scenarios[0].participants == 5
    assert {g.group for g in in_class.groups if g.dimension == "class"} == {f"8B #{record.id}"}
    summer = await storage.reports.report_data(Filters(since=date(2025, 5, 1)))
    assert summer.scenarios[0].participants == 3
    assert await storage.reports.classes_with_runs(date(2025, 3, 1), date(2025, 3, 31)) == [
        record.id
    ]
    assert await storage.reports.classes_with_runs(date(2025, 6, 1), date(2025, 6, 30)) == []


async def test_a_month_counts_every_choice_of_the_runs_started_in_it(
    storage: Storage, clock: Clock
) -> None:
    """Choices count in the month their run started: from its first day, and also those
    made after the month ended (the PostgreSQL query bounds choices by that first day)."""
    clock.day = date(2025, 5, 31)
    await seed(storage.players, 3, "may-")
    clock.day = date(2025, 6, 1)
    await storage.players.save_profile(Profile("p", "sv", "16_17", "save"))
    run = {"scenario": "s1", "version": 1, "run": "r1", "at": "x", "path": [], "finished": False}
    await storage.players.start_run("p", run)
    for day, step in ((date(2025, 6, 1), "a"), (date(2025, 7, 2), "b")):
        clock.day = day
        record = ChoiceRecord("r1", "s1", 1, step, "good", "delegate", "helpful", "during")
        await storage.players.save_progress("p", run, record, step == "b")
    june = await storage.reports.report_data(
        Filters(since=date(2025, 6, 1), until=date(2025, 6, 30))
    )
    assert {(s.step_id, s.answers) for s in june.steps} == {("a", 1), ("b", 1)}
    assert [(s.strategy, s.answers) for s in june.strategies] == [("delegate", 2)]


async def test_report_scopes_are_the_reports_of_their_filters(storage: Storage) -> None:
    record = await storage.staff.create_class("owner", "8B", "code123456", date(2030, 1, 1))
    await seed(storage.players, 4, "in-class-", class_id=record.id)
    await seed(storage.players, 3, "outside-")
    scopes = [Filters(), Filters(class_id=record.id), Filters(unclassed=True)]
    assert await storage.reports.report_scopes(scopes) == [
        await storage.reports.report_data(scope) for scope in scopes
    ]


async def test_measure_pairs_carry_no_identity(storage: Storage) -> None:
    survey = storage.survey
    await storage.players.save_profile(Profile("p", "sv", "16_17", "save"))
    await play(storage.players, "p", "r1", [("a", "good", "delegate", "helpful")])
    for wave, value in (("T1", 2), ("T2", 4), ("T3", 5)):
        await survey.record_answer("p", "s1", wave, "efficacy", value)
    await survey.record_answer("p", "s1", "T1", "efficacy", 1)  # a double tap: ignored
    await survey.record_answer("p", "s1", "T1", "help-friend", 0)  # skipped: no pair
    await survey.record_answer("p", "s1", "T2", "help-friend", 3)
    pairs = (await storage.reports.report_data(Filters())).measures
    assert {(m.item_id, m.comparison, m.before, m.after) for m in pairs} == {
        ("efficacy", "T1-T2", 2, 4),
        ("efficacy", "T1-T3", 2, 5),
    }
    assert {(m.class_label, m.person_label) for m in pairs} == {(None, 1)}


async def test_measure_people_count_who_answered_at_the_top_before(storage: Storage) -> None:
    """The K tests of the ceiling check: people with a T1 answer of 5, and below 5."""
    for n, first in enumerate((5, 5, 3)):
        user = f"p{n}"
        await storage.players.save_profile(Profile(user, "sv", "16_17", "save"))
        await play(storage.players, user, "r1", [("a", "good", "delegate", "helpful")])
        await storage.survey.record_answer(user, "s1", "T1", "efficacy", first)
        await storage.survey.record_answer(user, "s1", "T2", "efficacy", 5)
    (people,) = (await storage.reports.report_data(Filters())).measure_people
    assert (people.people, people.at_top_before, people.below_top_before) == (3, 2, 1)


async def test_measure_pairs_tell_which_share_a_class_or_a_person(storage: Storage) -> None:
    """The labels group the pairs by the class of each person's first run and by person,
    as ordinals of this report: never a class id or a pseudonym."""
    classes = [
        await storage.staff.create_class("owner", name, f"code{name}0000", date(2030, 1, 1))
        for name in ("8A", "8B")
    ]
    homes = {"a1": classes[0].id, "a2": classes[0].id, "b1": classes[1].id, "solo": None}
    for user, class_id in homes.items():
        await storage.players.save_profile(Profile(user, "sv", "16_17", "save"))
        await play(storage.players, user, "r1", [("a", "good", "delegate", "helpful")],
                   class_id=class_id)  # fmt: skip
        # A later run in another class does not move the pairs: the first run's class counts.
        await play(storage.players, user, "r2", [("a", "good", "delegate", "helpful")],
                   class_id=classes[1].id)  # fmt: skip
        for item in ("efficacy", "help-friend"):
            await storage.survey.record_answer(user, "s1", "T1", item, 2)
            await storage.survey.record_answer(user, "s1", "T2", item, 4)
    for filters in (Filters(), Filters(class_id=classes[0].id)):
        pairs = (await storage.reports.report_data(filters)).measures
        by_class: dict[int | None, set[int | None]] = {}
        for pair in pairs:
            by_class.setdefault(pair.class_label, set()).add(pair.person_label)
        expected = [2, 1, 1] if filters.class_id is None else [2]
        assert sorted(map(len, by_class.values()), reverse=True) == expected
        assert (None in by_class) == (filters.class_id is None)  # "solo" played outside
        class_labels = set(by_class) - {None}
        assert class_labels == set(range(1, len(class_labels) + 1))  # ordinals of this report
        people = {p.person_label for p in pairs}
        assert people == set(range(1, len(people) + 1))
        assert len(pairs) == 2 * len(people)  # each person's two items share their label


async def follow_up(
    storage: Storage, user: str, due: date, answers: tuple[str, str | None, str | None]
) -> None:
    """A sent follow-up of `user`'s round of s1, due on `due`, answered as given."""
    await storage.survey.schedule_follow_up(user, "s1", due, "sealed", 3)
    (number,) = await storage.survey.due_follow_ups(due)
    await storage.survey.close_follow_up(number, "sent")
    for question, answer in zip(("opportunity", "acted", "reasons"), answers, strict=True):
        if answer is not None:
            await storage.survey.answer_follow_up(user, number, question, answer)


async def test_follow_ups_count_people_per_answer_in_the_month_and_class_of_the_round(
    storage: Storage,
) -> None:
    """Ticks are split into answers; skips ("") count nowhere; a round counts in the class
    of the person's first run of its scenario and the month of its reminder."""
    record = await storage.staff.create_class("owner", "8B", "code123456", date(2030, 1, 1))
    june = date(2025, 6, 10)
    answers = {
        "a": ("yes", "direct,delegate", None),
        "b": ("yes", "direct", None),
        "c": ("yes", "nothing", "afraid,didnt-know"),
        "d": ("yes", "nothing", ""),  # why not: skipped
        "e": ("yes", "", None),  # what they did: skipped
        "f": ("no", None, None),
        "g": ("unsure", None, None),
    }
    for n, (user, given) in enumerate(answers.items()):
        await storage.players.save_profile(Profile(user, "sv", "16_17", "save"))
        class_id = record.id if user in "ab" else None
        await play(storage.players, user, "r1", [("a", "good", "delegate", "helpful")],
                   class_id=class_id)  # fmt: skip
        await follow_up(storage, user, june + timedelta(days=n % 2), given)
    await storage.players.save_profile(Profile("later", "sv", "16_17", "save"))
    await play(storage.players, "later", "r1", [("a", "good", "delegate", "helpful")])
    await follow_up(storage, "later", date(2025, 7, 1), ("yes", "other", None))

    def counts(data) -> dict[tuple[str, str], int]:
        return {(c.question, c.answer): c.people for c in data.follow_ups}

    month = Filters(since=date(2025, 6, 1), until=date(2025, 6, 30))
    assert counts(await storage.reports.report_data(month)) == {
        ("opportunity", ANSWERED): 7,
        ("opportunity", "yes"): 5,
        ("opportunity", "no"): 1,
        ("opportunity", "unsure"): 1,
        ("acted", ANSWERED): 4,
        ("acted", SOMETHING): 2,
        ("acted", "direct"): 2,
        ("acted", "delegate"): 1,
        ("acted", "nothing"): 2,
        ("reasons", ANSWERED): 1,
        ("reasons", "afraid"): 1,
        ("reasons", "didnt-know"): 1,
    }
    in_class = Filters(class_id=record.id, since=month.since, until=month.until)
    assert counts(await storage.reports.report_data(in_class)) == {
        ("opportunity", ANSWERED): 2,
        ("opportunity", "yes"): 2,
        ("acted", ANSWERED): 2,
        ("acted", SOMETHING): 2,
        ("acted", "direct"): 2,
        ("acted", "delegate"): 1,
    }
    july = Filters(since=date(2025, 7, 1), until=date(2025, 7, 31), unclassed=True)
    assert counts(await storage.reports.report_data(july))[("acted", "other")] == 1

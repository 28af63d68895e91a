"""Seed a PostgreSQL bot database with millions of generated choices, fast: COPY, not row
inserts, with the secondary indexes built once after the load (as pg_restore does).

The histories are what the store methods (bot/storage/postgres/store.py) would have
written, day by day in time order: each person's runs carry their answer and helpful
counts, first play (the person's first run of the scenario) and report class (the class of
the person's first run that month); a person belongs to at most one class and plays some
runs in it and some outside; a third of first plays that are finished have questionnaire
answers (T1 and T2 on four items) that day.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from datetime import date, timedelta

import psycopg

AGE_BANDS = ("15_or_younger", "16_17", "18_19", "20_plus", "unsaid")
ITEMS = ("efficacy", "help-friend", "help-stranger", "needs-action")
CHUNK_LINES = 20_000
FIRST_DAY, END = date(2026, 1, 1), date(2026, 12, 1)  # January to November
# Tables loaded with COPY: their indexes other than the primary key are dropped first and
# built again after the load; foreign keys are not checked while loading (the generator
# makes them hold).
LOADED = ("runs", "choices", "measure_answers")
RUN_COLUMNS = ("pseudonym, run_id, scenario_id, version, started_on, finished_on, class_id,"
               " answers, helpful, first_play, report_class, replay")  # fmt: skip
CHOICE_COLUMNS = ("pseudonym, run_id, scenario_id, version, step_id, choice_id, strategy,"
                  " assessment, phase, recorded_on")  # fmt: skip


@dataclass
class Person:
    pseudonym: str
    class_id: int | None
    runs: int = 0
    played: set[int] = field(default_factory=set)  # scenario numbers
    month: str = ""  # the month of their report class
    report_class: int | None = None
    first_seen: str = ""
    last_seen: str = ""


class Stream:
    """Text lines for one COPY, sent in chunks."""

    def __init__(self, copy: psycopg.Copy) -> None:
        self.copy = copy
        self.lines: list[str] = []
        self.count = 0

    def add(self, line: str) -> None:
        self.lines.append(line)
        if len(self.lines) >= CHUNK_LINES:
            self.flush()

    def flush(self) -> None:
        self.count += len(self.lines)
        self.copy.write("".join(self.lines))
        self.lines.clear()


NULL = "\\N"  # in COPY's text format


def _text(value: object) -> str:
    return NULL if value is None else str(value)


def seed(url: str, scenarios: list, people: int, choices: int, classes: int, seed: int) -> None:
    """Write the histories; prints progress (the load of 10 million choices takes minutes)."""
    rng = random.Random(seed)
    started = time.perf_counter()
    crowd = [
        Person(f"{rng.getrandbits(256):064x}", _class_of(n, classes) if classes else None)
        for n in range(people)
    ]
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(
            "INSERT INTO classes (owner, name, code, created_on, expires_on)"
            " SELECT 'o', 'Klass ' || n, 'code' || n, '2026-01-01', '2030-01-01'"
            " FROM generate_series(1, %s) n",
            (classes,),
        )
        indexes = _drop_secondary_indexes(admin)
        _load_histories(url, scenarios, crowd, choices, rng, started)
        _load_people(admin, crowd)
        print(f"  building {len(indexes)} indexes ...", flush=True)
        admin.execute("SET maintenance_work_mem = '512MB'")
        for definition in indexes:
            admin.execute(definition)
        # What autovacuum does on a running server: statistics for the planner and the
        # visibility map (index-only scans).
        admin.execute("VACUUM (ANALYZE)")
    print(f"  seeded in {time.perf_counter() - started:.0f} s", flush=True)


def _class_of(person: int, classes: int) -> int | None:
    """Three people in four belong to a class."""
    return None if person % 4 == 0 else person % classes + 1


def _drop_secondary_indexes(db: psycopg.Connection) -> list[str]:
    rows = db.execute(
        "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = ANY(%s)"
        " AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
        (list(LOADED),),
    ).fetchall()
    for name, _ in rows:
        db.execute(f'DROP INDEX "{name}"')
    return [definition for _, definition in rows]


def _load_histories(url, scenarios, crowd, target: int, rng, started: float) -> None:
    steps_of = [list(s.steps.values()) for s in scenarios]
    days = [FIRST_DAY + timedelta(n) for n in range((END - FIRST_DAY).days)]
    per_day = target / len(days)
    connections = [psycopg.connect(url) for _ in LOADED]
    try:
        for db in connections:
            db.execute("SET session_replication_role = replica")  # no FK checks while loading
        with (
            connections[0].cursor().copy(f"COPY runs ({RUN_COLUMNS}) FROM STDIN") as run_copy,
            connections[1].cursor().copy(f"COPY choices ({CHOICE_COLUMNS}) FROM STDIN") as c_copy,
            connections[2].cursor().copy("COPY measure_answers FROM STDIN") as a_copy,
        ):
            runs, choices, answers = Stream(run_copy), Stream(c_copy), Stream(a_copy)
            reported = 0
            for number, day in enumerate(days, start=1):
                while choices.count + len(choices.lines) < min(target, per_day * number):
                    _play(rng.choice(crowd), rng, scenarios, steps_of, day.isoformat(),
                          runs, choices, answers)  # fmt: skip
                if choices.count - reported >= 1_000_000:
                    reported = choices.count
                    print(f"  {reported:,} choices in {time.perf_counter() - started:.0f} s",
                          flush=True)  # fmt: skip
            for stream in (runs, choices, answers):
                stream.flush()
        for db in connections:
            db.commit()
    finally:
        for db in connections:
            db.close()
    print(f"  {choices.count:,} choices, {runs.count:,} runs, {answers.count:,} answers"
          f" loaded in {time.perf_counter() - started:.0f} s", flush=True)  # fmt: skip


def _play(person: Person, rng, scenarios, steps_of, day: str, runs, choices, answers) -> None:
    """One run of a random scenario by `person` on `day`, as the store would record it."""
    number = rng.randrange(len(scenarios))
    scenario, steps = scenarios[number], steps_of[number]
    person.runs += 1
    run_id = f"r{person.runs}"
    class_id = person.class_id if person.class_id and rng.random() < 0.7 else None
    if person.month != day[:7]:  # their first run this month fixes the report class
        person.month, person.report_class = day[:7], class_id
    first_play = number not in person.played
    person.played.add(number)
    person.first_seen = person.first_seen or day
    person.last_seen = day
    taken = rng.randint(min(3, len(steps)), len(steps))
    helpful = 0
    prefix = f"{person.pseudonym}\t{run_id}\t{scenario.id}\t{scenario.version}\t"
    for step in steps[:taken]:
        choice = rng.choice(step.choices)
        helpful += choice.assessment.value == "helpful"
        choices.add(f"{prefix}{step.id}\t{choice.id}\t{choice.strategy.value}\t"
                    f"{choice.assessment.value}\t{step.phase.value}\t{day}\n")  # fmt: skip
    finished = taken == len(steps)
    flags = f"{'t' if first_play else 'f'}\t{_text(person.report_class)}\tf"  # replay: never
    runs.add(f"{prefix[:-1]}\t{day}\t{day if finished else NULL}\t{_text(class_id)}\t{taken}\t"
             f"{helpful}\t{flags}\n")  # fmt: skip
    if first_play and finished and rng.random() < 1 / 3:
        for item in ITEMS:
            before = rng.randint(1, 5)
            after = min(5, before + rng.randint(0, 2))
            answers.add(f"{person.pseudonym}\t{scenario.id}\tT1\t{item}\t{before}\t{day}\n")
            answers.add(f"{person.pseudonym}\t{scenario.id}\tT2\t{item}\t{after}\t{day}\n")


def _load_people(db: psycopg.Connection, crowd: list[Person]) -> None:
    """Profiles and class memberships of everyone who played."""
    players = [p for p in crowd if p.runs]
    with db.cursor().copy("COPY users FROM STDIN") as copy:
        for n, p in enumerate(players):
            copy.write_row((p.pseudonym, "sv", AGE_BANDS[n % len(AGE_BANDS)], "save",
                            p.first_seen, p.last_seen))  # fmt: skip
    with db.cursor().copy("COPY class_members FROM STDIN") as copy:
        for p in players:
            if p.class_id:
                copy.write_row((p.class_id, p.pseudonym, p.first_seen))

"""Property tests: untrusted input (button data, scenario files) never crashes anything.

- callback data: `decode` never raises, and `Router.press` answers anything a client
  can send with an Outcome (a notice or messages), whatever state the person is in;
- deep-link payloads (`/start <payload>`): anything a link can carry is parsed safely and
  answered with an Outcome;
- scenario files: `parse_yaml` and `load_scenario` turn any text and any mangled structure
  into diagnostics, never into an exception.
"""

from __future__ import annotations

import asyncio
import copy
import hashlib
import itertools
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from botharness import shipped_content
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.bootstrap import build_services
from bot.config import content_dirs, load_config
from bot.content.catalog import load_catalog, load_scenario
from bot.content.diagnostics import Report
from bot.content.yamlsafe import parse_yaml
from bot.engine.ages import AgeBand, is_for
from bot.engine.callback_data import MAX_BYTES, Action, decode
from bot.engine.engine import Run
from bot.services.links import parse_start_payload
from bot.services.player import Person
from bot.services.views import Outcome

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
MINIMAL = FIXTURES / "valid" / "minimal"
FUZZ = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "120")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
CODE = re.compile(r"^[A-Z]\d{3}$")

# --- (i) decode ------------------------------------------------------------------------------

# Any str, lone surrogates included (json.loads makes them from "\ud800" escapes).
any_text = st.text(
    alphabet=st.one_of(st.characters(), st.characters(categories=["Cs"])), max_size=100
)
tokens = st.from_regex(r"[A-Za-z0-9_-]{1,12}", fullmatch=True)
token_like = st.lists(st.one_of(tokens, st.text(max_size=6)), min_size=1, max_size=6).map(":".join)


@FUZZ
@given(st.one_of(st.none(), st.text(max_size=120), token_like))
def test_decode_never_raises_on_utf8_text(data: str | None) -> None:
    action = decode(data)
    assert action is None or isinstance(action, Action)
    if action is not None:
        assert action.encode() == data  # whatever decodes, encodes back to the same data
        assert len(data.encode()) <= MAX_BYTES


@FUZZ
@given(any_text)
def test_decode_never_raises_on_any_text(data: str) -> None:
    action = decode(data)
    assert action is None or isinstance(action, Action)


# --- (ii) Router.press ----------------------------------------------------------------------


class PressWorld:
    """One event loop, a real SqlCipherStore in a temporary folder and the shipped catalog."""

    def __init__(self, folder: Path) -> None:
        self.loop = asyncio.new_event_loop()
        env = {
            "TELEGRAM_BOT_TOKEN": "1:fuzz",
            "BYSTANDER_DATA_DIR": str(folder / "data"),
            "BYSTANDER_KEY_DIR": str(folder / "keys"),
        }
        config = load_config(env)
        # Wired exactly as the bot wires them, on the shipped content the e2e bots share.
        services = build_services(config, catalog=shipped_content(config))
        self.catalog = services.catalog
        self.young, self.store = services.young, services.storage.players
        self.router, self.entry = services.router, services.entry
        self.run(self.store.initialize())
        self.run(self._no_fsync())
        self._people = itertools.count(1)
        self.kinds = sorted(self.router.kinds | {"a", "x", ""})

    async def _no_fsync(self) -> None:
        async with self.store.session() as db:
            await db.execute("PRAGMA synchronous = OFF")  # speed only; no crash is simulated

    def run(self, coroutine: Any) -> Any:
        return self.loop.run_until_complete(coroutine)

    def new_person(self, language: str | None) -> Person:
        name = hashlib.sha256(f"fuzz-{next(self._people)}".encode()).hexdigest()
        return Person(name, language)

    def close(self) -> None:
        self.run(self.store.close())
        self.loop.close()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PressWorld]:
    world = PressWorld(tmp_path_factory.mktemp("press"))
    yield world
    world.close()


SHIPPED = sorted(p.parent.name for p in content_dirs({})[0].glob("*/scenario.yaml"))
# The scenarios a player of each age band in `prepare` may start (bot/engine/ages.py).
_CATALOG = load_catalog([content_dirs({})[0]], content_dirs({})[1])
PLAYABLE = {
    band: sorted(s.id for s in _CATALOG.scenarios.values() if is_for(s.age, band))
    for band in (AgeBand.UP_TO_15, AgeBand.AGE_16_17)
}
ARGUMENTS = st.one_of(
    st.sampled_from(
        [
            "{run}",
            "{step}",
            "{choice}",
            "{scenario}",
            "16_17",
            "18_19",
            "15_or_younger",
            "20_plus",
            "unsaid",
            "save",
            "nosave",
            "sv",
            "en",
            "yes",
            "ask",
            "before",
            "after",
            "0",
            "1",
            "9",
            *SHIPPED,
        ]
    ),
    tokens,
)
STATES = ["fresh", "welcomed", "saved", "nosave", "saved-playing", "nosave-playing",
          "saved-finished", "young-playing"]  # fmt: skip


@st.composite
def callback_data(draw: st.DrawFn, kinds: list[str]) -> str:
    """Arbitrary text, or data shaped like the bot's own buttons with odd arguments."""
    if draw(st.integers(0, 4)) == 0:
        return draw(st.one_of(st.text(max_size=70), token_like))
    kind = draw(st.one_of(st.sampled_from(kinds), tokens))
    args = draw(st.lists(ARGUMENTS, max_size=5))
    return ":".join([kind, *args])


async def prepare(world: PressWorld, person: Person, state: str, scenario: str) -> None:
    young = world.young
    if state == "fresh":
        return
    await young.onboarding.start(person)
    if state == "welcomed":
        return
    band = "15_or_younger" if state.startswith("young") else "16_17"
    consent = "nosave" if state.startswith("nosave") else "save"
    await young.onboarding.choose_consent(person, band, consent, "sv")
    if state.endswith("playing") or state.endswith("finished"):
        await skip_questionnaire(world, person, await young.play.begin(person, scenario))
        assert await current(world, person) is not None, "the scenario did not start"
    if state.endswith("finished"):
        for _ in range(20):
            where = await current(world, person)
            if where is None:
                break
            run, step, choice = where
            await young.play.answer(person, run, step, choice)


async def skip_questionnaire(world: PressWorld, person: Person, outcome: Outcome) -> None:
    """Press 'skip all' (kind "ms") while the questionnaire comes before the scenario."""
    for _ in range(10):
        data = [b.action.encode() for m in outcome.messages for row in m.buttons for b in row]
        skip = [d for d in data if d.startswith("ms:")]
        if any(d.startswith("a:") for d in data) or not skip:
            return
        outcome = await world.router.press(person, skip[0])


async def current(world: PressWorld, person: Person) -> tuple[str, str, str] | None:
    """The run id, step id and first choice id of the person's run in progress."""
    stored = await world.young.play.store.get_active_run(person.pseudonym)
    if stored is None:
        stored = await world.young.play.ephemeral.get_active_run(person.pseudonym)
    if stored is None:
        return None
    run = Run.from_json(stored)
    scenario = world.catalog.scenarios.get(run.scenario_id)
    step = scenario.step(run.position) if scenario else None
    if step is None:
        return None
    return run.run_id, step.id, step.choices[0].id


async def fill(world: PressWorld, person: Person, data: str, scenario: str) -> str:
    where = await current(world, person) or ("zzzzzz", "nostep", "nochoice")
    for name, value in zip(("{run}", "{step}", "{choice}"), where, strict=True):
        data = data.replace(name, value)
    return data.replace("{scenario}", scenario)


def check(outcome: object, data: str) -> None:
    assert isinstance(outcome, Outcome), f"{data!r} gave {outcome!r}"
    assert outcome.notice or outcome.messages, f"{data!r} gave an empty outcome"
    for message in outcome.messages:
        for row in message.buttons:
            for button in row:
                assert button.label
                assert decode(button.action.encode()) == button.action


@st.composite
def press_cases(draw: st.DrawFn) -> tuple[str, str, str | None, list[str]]:
    state = draw(st.sampled_from(STATES))
    band = AgeBand.UP_TO_15 if state.startswith("young") else AgeBand.AGE_16_17
    scenario = draw(
        st.sampled_from(PLAYABLE[band] if "playing" in state or "finished" in state else SHIPPED)
    )
    language = draw(st.sampled_from([None, "sv", "en", "ar", "xx-long-tag"]))
    return state, scenario, language, draw(st.lists(st.just(None), min_size=1, max_size=6))


@FUZZ
@given(case=press_cases(), data=st.data())
def test_press_always_answers_with_an_outcome(world: PressWorld, case, data) -> None:
    state, scenario, language, presses = case
    person = world.new_person(language)
    world.run(prepare(world, person, state, scenario))
    for _ in presses:
        raw = data.draw(callback_data(world.kinds), label="callback data")
        filled = world.run(fill(world, person, raw, scenario))
        outcome = world.run(world.router.press(person, filled))
        check(outcome, filled)


# --- (iii) deep-link payloads ------------------------------------------------------------------

payloads = st.one_of(
    st.none(),
    any_text,
    st.from_regex(r"[ci]-[A-Za-z0-9_-]{0,70}", fullmatch=True),  # look like class or invite
    st.tuples(st.sampled_from(["c-", "i-"]), any_text).map("".join),  # with any characters
)


async def open_link(world: PressWorld, person: Person, payload: str | None) -> Outcome:
    """What /start does with a payload, as the bot routes it (bot/services/entry.py)."""
    return await world.entry.start(person, [] if payload is None else [payload])


@FUZZ
@given(payload=payloads, language=st.sampled_from([None, "sv", "en", "xx-long-tag"]))
def test_any_start_payload_is_answered(world: PressWorld, payload, language) -> None:
    link = parse_start_payload(payload)
    if link is not None:  # only Telegram's own payload alphabet, at most 64 characters
        assert re.fullmatch(r"[A-Za-z0-9_-]{1,64}", payload)
    person = world.new_person(language)
    check(world.run(open_link(world, person, payload)), repr(payload))


def test_saying_save_twice_during_a_run_keeps_the_run(world: PressWorld) -> None:
    person = world.new_person("sv")
    world.run(prepare(world, person, "saved-playing", "bus-fight"))
    assert world.run(current(world, person)) is not None
    outcome = world.run(world.router.press(person, "consent:16_17:save:sv"))
    check(outcome, "consent:16_17:save:sv")
    assert world.run(current(world, person)) is not None, "the run in progress is kept"


# --- (iii) the scenario loader ---------------------------------------------------------------

HELP_KEYS = {"emergency", "police", "bris", "umo"}
MINIMAL_TREE = yaml.safe_load((MINIMAL / "scenario.yaml").read_text(encoding="utf-8"))
MINIMAL_EN = (MINIMAL / "en.yaml").read_text(encoding="utf-8")

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=30),
)  # fmt: skip
values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)


def _paths(tree: Any, prefix: tuple = ()) -> list[tuple]:
    found = [prefix]
    if isinstance(tree, dict):
        for key, value in tree.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(tree, list):
        for index, value in enumerate(tree):
            found += _paths(value, (*prefix, index))
    return found


PATHS = _paths(MINIMAL_TREE)


def _mutate(tree: Any, path: tuple, how: str, value: Any) -> Any:
    if not path:
        return value if how == "replace" else tree
    parent = tree
    for part in path[:-1]:
        parent = parent[part]
    last = path[-1]
    if how == "replace":
        parent[last] = value
    elif how == "delete":
        del parent[last]
    elif how == "duplicate" and isinstance(parent, list):
        parent.insert(last, copy.deepcopy(parent[last]))
    elif how == "rename" and isinstance(parent, dict):
        parent[str(value)[:20]] = parent.pop(last)
    elif how == "wrap":
        parent[last] = [parent[last]]
    return tree


@st.composite
def mangled_scenarios(draw: st.DrawFn) -> Any:
    tree = copy.deepcopy(MINIMAL_TREE)
    for _ in range(draw(st.integers(1, 4))):
        paths = _paths(tree)
        path = draw(st.sampled_from(paths))
        how = draw(st.sampled_from(["replace", "delete", "duplicate", "rename", "wrap"]))
        try:
            tree = _mutate(tree, path, how, draw(values))
        except (KeyError, IndexError, TypeError):
            continue  # the path went away with an earlier change
    return tree


def _check_report(report: Report) -> None:
    for item in report.items:
        assert CODE.match(item.code), item
        assert item.line >= 1 and item.column >= 1, item


@FUZZ
@given(any_text)
def test_parse_yaml_never_raises(text: str) -> None:
    report = Report()
    parse_yaml(text, "fuzz.yaml", report)
    _check_report(report)


yamlish = st.lists(
    st.sampled_from(
        [
            "id: x",
            "phases:",
            "  before:",
            "    - id: a",
            "- ",
            "&a [1]",
            "*a",
            "!!python/object:os.system",
            "{",
            "}",
            "[",
            "'",
            '"',
            ": :",
            "? ",
            "\t",
            "---",
            "...",
            "%YAML 1.1",
            "key: &x v",
            "<<: *x",
            "!tag x",
            "#",
            "|",
            ">-",
            "\\u0000",
        ]
    ),
    max_size=12,
).map("\n".join)


@FUZZ
@given(st.one_of(yamlish, any_text))
def test_parse_yaml_never_raises_on_yaml_like_text(text: str) -> None:
    report = Report()
    parse_yaml(text, "fuzz.yaml", report)
    _check_report(report)


@pytest.fixture(scope="module")
def scenario_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("scenario") / "fuzzed"


@settings(FUZZ, max_examples=min(FUZZ.max_examples, 100))
@given(
    tree=mangled_scenarios(),
    translation=st.one_of(st.just(MINIMAL_EN), st.just(None), any_text),
)
def test_load_scenario_reports_problems_as_diagnostics(
    scenario_dir: Path, tree: Any, translation: str | None
) -> None:
    scenario_dir.mkdir(parents=True, exist_ok=True)
    path = scenario_dir / "scenario.yaml"
    path.write_text(yaml.safe_dump(tree, allow_unicode=True), encoding="utf-8")
    en = scenario_dir / "en.yaml"
    if translation is None:
        en.unlink(missing_ok=True)
    else:
        en.write_text(translation, encoding="utf-8", errors="surrogatepass")
    loaded = load_scenario(path, HELP_KEYS)
    _check_report(loaded.report)
    if loaded.scenario is None:
        assert loaded.report.errors, "a scenario that is not offered must say why"
    else:
        assert not loaded.report.errors


@FUZZ
@given(st.binary(max_size=300))
def test_load_scenario_on_arbitrary_bytes(scenario_dir: Path, raw: bytes) -> None:
    scenario_dir.mkdir(parents=True, exist_ok=True)
    path = scenario_dir / "scenario.yaml"
    path.write_bytes(raw)
    loaded = load_scenario(path, HELP_KEYS)
    _check_report(loaded.report)
    assert loaded.scenario is None or not loaded.report.errors

"""The player's use cases with the real stores, no Telegram: what a person would see."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from bot.content.catalog import Catalog
from bot.engine.callback_data import Action
from bot.services.player import Person
from bot.services.presenter import plain
from bot.services.routing import Router
from bot.services.views import Outcome
from bot.services.young_people import YoungPeople, build_young_people
from bot.storage.memory.store import EphemeralStore
from bot.storage.sqlite.store import SqlCipherStore

KEY = bytes(range(32))


async def _no_roles(person: Person) -> frozenset[str]:
    return frozenset()


class Chat:
    """A person pressing buttons by their label, remembering the last buttons shown."""

    def __init__(self, service: YoungPeople, person: Person) -> None:
        self.service, self.person = service, person
        self.router = Router(service.capabilities, _no_roles, service.account)
        self.buttons: dict[str, Action] = {}
        self.last: Outcome = Outcome()

    def show(self, outcome: Outcome) -> Outcome:
        self.last = outcome
        shown = [b for m in outcome.messages for row in m.buttons for b in row]
        if shown:
            self.buttons = {b.label: b.action for b in shown}
        return outcome

    @property
    def text(self) -> str:
        return "\n".join(plain(m.text) for m in self.last.messages)

    async def press(self, label: str) -> Outcome:
        matches = [name for name in self.buttons if label in name]
        assert len(matches) == 1, f"{label!r} not among {list(self.buttons)}"
        action = self.buttons[matches[0]]
        return self.show(await self.router.press(self.person, action.encode()))

    async def do(self, use_case, **kwargs) -> Outcome:
        return self.show(await use_case(self.person, **kwargs))


@pytest.fixture
async def store(tmp_path: Path):
    store = SqlCipherStore(tmp_path / "data" / "bystander.db", KEY)
    await store.initialize()
    yield store
    await store.close()


@pytest.fixture
def service(shipped_catalog: Catalog, store: SqlCipherStore) -> YoungPeople:
    return build_young_people(shipped_catalog, store, EphemeralStore())


@pytest.fixture
def chat(service: YoungPeople) -> Chat:
    return Chat(service, Person("p" * 64, "sv"))


async def join(chat: Chat, age: str = "16–17", saving: str = "Spela och spara") -> None:
    await chat.do(chat.service.onboarding.start)
    await chat.press(age)
    if saving:
        await chat.press(saving)


async def play_bus_fight(chat: Chat, *labels: str) -> None:
    await chat.press("Bråk på bussen")
    await chat.press("Starta")
    for label in labels:
        await chat.press(label)


async def test_first_contact_explains_and_asks_age_then_consent(chat: Chat) -> None:
    await chat.do(chat.service.onboarding.start)
    assert "aktiv åskådare" in chat.text and "/privacy" in chat.text
    assert "utan namn och utan Telegram-id" in chat.text
    assert list(chat.buttons) == [
        "15 år eller yngre",
        "16–17 år",
        "18–19 år",
        "20 år eller äldre",
        "Vill inte säga",
        "🌐 English",  # every other language, named in itself
    ]
    await chat.press("18–19")
    assert set(chat.buttons) == {"Spela och spara mina svar", "Spela utan att spara"}


async def test_the_greeting_follows_the_telegram_language(service: YoungPeople) -> None:
    chat = Chat(service, Person("e" * 64, "en-GB"))
    await chat.do(service.onboarding.start)
    assert "active bystander" in chat.text


async def test_a_saved_full_scenario_is_recorded_with_every_choice(chat: Chat, store) -> None:
    await join(chat)
    await play_bus_fight(
        chat, "Fråga Yusuf", "Gå fram och säg till chauffören", "Sätt dig hos honom"
    )
    assert "Yusuf är inte ensam" in chat.text
    assert "Distrahera, Delegera – hämta hjälp, Följ upp efteråt" in chat.text
    assert "116 111" in chat.text, "BRIS is routed to a 16-17-year-old"
    data = await store.describe_user(chat.person.pseudonym)
    assert (data.runs_started, data.runs_finished, data.choices) == (1, 1, 3)


async def test_declining_stores_nothing_but_still_plays(chat: Chat, store) -> None:
    await join(chat, saving="Spela utan att spara")
    await play_bus_fight(
        chat, "Fråga Yusuf", "Gå fram och säg till chauffören", "Sätt dig hos honom"
    )
    assert "Yusuf är inte ensam" in chat.text
    assert await store.get_profile(chat.person.pseudonym) is None
    await chat.do(chat.service.account.my_data)
    assert "inga svar sparas" in chat.text


async def test_fifteen_or_younger_is_never_saved(chat: Chat, store) -> None:
    await join(chat, age="15 år eller yngre", saving="")
    assert "sparar vi inga svar" in chat.text
    await play_bus_fight(chat, "Fråga Yusuf")
    assert await store.get_profile(chat.person.pseudonym) is None


async def test_help_lines_follow_the_age_band(chat: Chat) -> None:
    await join(chat, age="20 år eller äldre")
    await chat.do(chat.service.account.help)
    assert chat.text.index("112") < chat.text.index("Självmordslinjen") < chat.text.index("1177")
    assert "BRIS" not in chat.text, "BRIS is for under 18"


async def test_an_old_button_cannot_answer_twice(chat: Chat, store) -> None:
    await join(chat)
    await chat.press("Bråk på bussen")
    await chat.press("Starta")
    first_step = dict(chat.buttons)
    await chat.press("Fråga Yusuf")
    chat.buttons = first_step
    outcome = await chat.press("De brukar hålla på så – det är deras grej")
    assert outcome.notice and "gammal" in outcome.notice and outcome.messages == []
    data = await store.describe_user(chat.person.pseudonym)
    assert data.choices == 1


async def test_forged_button_data_gets_a_kind_notice(chat: Chat) -> None:
    await join(chat)
    for forged in (
        None,
        Action("a", ("zzz", "stop", "ask-time")),
        Action("go", ("nope",)),
        Action("x"),
    ):
        outcome = await chat.router.press(chat.person, forged and forged.encode())
        assert outcome.notice or "finns inte längre" in plain(outcome.messages[0].text)


async def test_delete_removes_everything_after_confirmation(chat: Chat, store) -> None:
    await join(chat)
    await play_bus_fight(chat, "Fråga Yusuf")
    await chat.do(chat.service.account.delete_prompt)
    await chat.press("Nej, behåll")
    assert await store.describe_user(chat.person.pseudonym) is not None
    await chat.do(chat.service.account.delete_prompt)
    await chat.press("Ja, radera allt")
    assert "raderat" in chat.text
    assert await store.describe_user(chat.person.pseudonym) is None
    await chat.do(chat.service.onboarding.start)
    assert "Hur gammal är du?" in chat.text


async def test_withdrawing_consent_deletes_and_keeps_playing(chat: Chat, store) -> None:
    await join(chat)
    await play_bus_fight(chat, "Fråga Yusuf")
    await chat.do(chat.service.account.my_data)
    assert "1 val du gjort" in chat.text
    await chat.press("Ändra om mina svar sparas")
    await chat.press("Sluta spara och radera")
    assert await store.get_profile(chat.person.pseudonym) is None
    await chat.do(chat.service.play.resume)
    assert "På bussen" in chat.text, "the game in progress goes on, in memory"


async def test_stop_then_resume_says_there_is_nothing(chat: Chat) -> None:
    await join(chat)
    await play_bus_fight(chat, "Fråga Yusuf")
    await chat.do(chat.service.play.stop)
    assert "sparade" in chat.text
    await chat.do(chat.service.play.resume)
    assert "inget påbörjat" in chat.text


async def test_resume_after_the_scenario_changed_explains(
    chat: Chat, service, shipped_catalog
) -> None:
    await join(chat)
    await play_bus_fight(chat, "Fråga Yusuf")
    bus = shipped_catalog.scenarios["bus-fight"]
    changed = replace(
        shipped_catalog,
        scenarios={**shipped_catalog.scenarios, "bus-fight": replace(bus, version=bus.version + 1)},
    )
    newer = build_young_people(changed, service.play.store, service.play.ephemeral)
    outcome = await newer.play.resume(chat.person)
    text = plain(outcome.messages[0].text)
    assert "uppdaterats" in text and "På bussen" in plain(outcome.messages[1].text)


async def test_language_can_be_changed_and_is_kept(chat: Chat) -> None:
    await join(chat)
    await chat.do(chat.service.onboarding.language_prompt)
    await chat.press("English")
    await chat.do(chat.service.play.menu)
    assert "Choose a scenario" in chat.text and "Trouble on the bus" in " ".join(chat.buttons)


async def test_a_replay_button_from_before_the_scenario_changed_is_old(
    chat: Chat, service, shipped_catalog
) -> None:
    await join(chat)
    await play_bus_fight(
        chat, "Fråga Yusuf", "Gå fram och säg till chauffören", "Sätt dig hos honom"
    )
    await chat.press("Tänk om jag hade valt något annat?")
    steps = dict(chat.buttons)
    bus = shipped_catalog.scenarios["bus-fight"]
    changed = replace(
        shipped_catalog,
        scenarios={**shipped_catalog.scenarios, "bus-fight": replace(bus, version=bus.version + 1)},
    )
    newer = Chat(
        build_young_people(changed, service.play.store, service.play.ephemeral), chat.person
    )
    newer.buttons = steps
    outcome = await newer.press("2. Gå fram")
    assert outcome.notice.startswith("Den knappen är gammal") and not outcome.messages
    assert await service.play.store.get_active_run(chat.person.pseudonym) is None
